/**
 * The owner API's token check (OwnerAuth) on a real hub's database, with the clock
 * and the change feed in the test's hands: a token's use is recorded at most once a
 * minute, and a cached token is forgotten when the feed names it.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ChangeFeed, emptyChangeSet, everythingChanged } from "../../src/hub/changes.ts";
import { OwnerAuth } from "../../src/hub/http/auth.ts";
import { assertStatus } from "../support/api.ts";
import { startTestHub, type TestHub } from "../support/hub.ts";

const MINUTE = 60_000;

describe("the owner token check", () => {
  let t: TestHub;
  before(async () => (t = await startTestHub()));
  after(() => t.close());

  const newToken = async (name: string) => {
    const res = await t.owner(t.creds.ownerToken, "POST", "/tokens", { name });
    assertStatus(res, 201);
    return res.body as { id: string; token: string };
  };
  const bearer = (token: string) => ({ method: "GET", headers: { authorization: `Bearer ${token}` } });

  it("tells of a token's use at its first call and then at most once a minute, not at each call", async () => {
    const { id, token } = await newToken("Chatty script");
    const uses: [string, number][] = [];
    const auth = new OwnerAuth(t.hub.db, new ChangeFeed(), { onUse: (tokenId, at) => void uses.push([tokenId, at]) });
    const T = 2_000_000_000_000;
    for (const now of [T, T + 1, T + 30_000, T + MINUTE - 1, T + MINUTE, T + MINUTE + 1, T + 2 * MINUTE]) {
      assert.equal((await auth.principal(bearer(token), now)).userId, t.creds.ownerId);
    }
    assert.deepEqual(uses, [[id, T], [id, T + MINUTE], [id, T + 2 * MINUTE]]);
  });

  it("starts from the use already recorded (by another hub, or before a restart)", async () => {
    const { id, token } = await newToken("Recorded elsewhere");
    const T = 2_000_000_000_000;
    await t.hub.writer.run("touchApiToken", { tokenId: id, at: T });
    const uses: number[] = [];
    const auth = new OwnerAuth(t.hub.db, new ChangeFeed(), { onUse: (_tokenId, at) => void uses.push(at) });
    await auth.principal(bearer(token), T + 30_000);
    await auth.principal(bearer(token), T + MINUTE);
    assert.deepEqual(uses, [T + MINUTE]);
  });

  it("keeps answering from its cache until the feed names the token, then refuses it; everything changed forgets all", async () => {
    const feed = new ChangeFeed();
    const auth = new OwnerAuth(t.hub.db, feed);
    const [a, b] = [await newToken("Cached A"), await newToken("Cached B")];
    const now = Date.now();
    await auth.principal(bearer(a.token), now);
    await auth.principal(bearer(b.token), now);
    // Gone from the database behind the cache's back (as another hub's revocation is, before its notification arrives).
    await t.database().run("DELETE FROM owner_tokens WHERE id IN (?, ?)", [a.id, b.id]);
    await auth.principal(bearer(a.token), now);
    feed.publish({ ...emptyChangeSet(), credentials: new Set(["agt_unrelated", a.id]) });
    await assert.rejects(auth.principal(bearer(a.token), now), { status: 401 });
    await auth.principal(bearer(b.token), now);
    feed.publish(everythingChanged());
    await assert.rejects(auth.principal(bearer(b.token), now), { status: 401 });
  });
});
