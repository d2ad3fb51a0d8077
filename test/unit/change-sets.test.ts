/** Change sets as the writer thread and the PostgreSQL relay carry them: every set whole, and hubs of two versions understood. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { decodeChanges, emptyChangeSet, encodeChanges } from "../../src/hub/changes.ts";
import { split } from "../../src/hub/db/postgres-relay.ts";

describe("change sets on the wire", () => {
  it("carry a person's webhooks with the other sets, in both forms", () => {
    const changes = { ...emptyChangeSet(), users: new Set(["usr_1"]), webhooks: new Set(["usr_1", "usr_2"]) };
    assert.deepEqual(decodeChanges(encodeChanges(changes)), changes);
    const odd = { ...emptyChangeSet(), webhooks: new Set(["usr|1"]) };
    assert.deepEqual(decodeChanges(encodeChanges(odd)), odd);
  });

  it("read a hub's that knows no webhooks set as touching none", () => {
    assert.deepEqual(decodeChanges("agt_1||usr_1||"), { ...emptyChangeSet(), agents: new Set(["agt_1"]), users: new Set(["usr_1"]) });
    assert.deepEqual(decodeChanges('[["agt_1"],[],[],[],[]]'), { ...emptyChangeSet(), agents: new Set(["agt_1"]) });
  });

  it("put the webhooks set last, so a hub that knows only the first five reads them as before", () => {
    const text = encodeChanges({ ...emptyChangeSet(), tasks: new Set(["tsk_1"]), credentials: new Set(["tok_1"]), webhooks: new Set(["usr_1"]) });
    assert.deepEqual(text.split("|").slice(0, 5), ["", "tsk_1", "", "", "tok_1"]);
  });

  it("split for the relay loses no person's webhooks", () => {
    const many = new Set(Array.from({ length: 1500 }, (_, i) => `usr_${String(i).padStart(22, "0")}`));
    const parts = split({ ...emptyChangeSet(), webhooks: many });
    assert.ok(parts.length > 1);
    assert.deepEqual(new Set(parts.flatMap((p) => [...p.webhooks])), many);
  });
});
