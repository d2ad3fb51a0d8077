/**
 * --sync-max-connections-per-ip and --sync-max-connections-per-principal: past either a socket is turned away as
 * past --sync-max-connections (1013 "TooManyConcurrentRequests", on which the stock client backs off), so one host
 * or one leaked token cannot take every socket the hub serves. Loopback is not held to the per-address bound.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Type } from "typebox";
import { ConnectionQuota } from "../../src/hub/realtime/connection-quota.ts";
import { QueryRegistry } from "../../src/hub/realtime/registry.ts";
import { startTestHub, type TestHub } from "../support/hub.ts";
import { signIn } from "../web/support/session.ts";
import { eventually, listeningSync, RawSync, type ListeningSync } from "./support.ts";

const FULL = { code: 1013, reason: "TooManyConcurrentRequests" };
/** How a socket the hub should turn away ended: its close, or (so a socket served instead fails the test) its first answer. */
const ending = (raw: RawSync) => Promise.race([raw.closed, raw.next()]);
const subscribe = (queryId: number, udfPath: string, args: object) =>
  ({ type: "ModifyQuerySet", baseVersion: 0, newVersion: 1, modifications: [{ type: "Add", queryId, udfPath, args: [args] }] });

describe("a connection quota", () => {
  it("serves sockets per key up to its bound, and warns once per key per spell, which ends once a tenth have closed", () => {
    const quota = new ConnectionQuota(2);
    assert.deepEqual([quota.take("a"), quota.take("a"), quota.take("b")], ["serve", "serve", "serve"]);
    assert.deepEqual([quota.take("a"), quota.take("a")], ["refuse and warn", "refuse"]);
    assert.equal(quota.count("a"), 2, "a refused socket is not counted");
    quota.release("a");
    assert.deepEqual([quota.take("a"), quota.take("a")], ["serve", "refuse and warn"]);
    quota.release("a");
    quota.release("a");
    quota.release("b");
    assert.deepEqual([quota.count("a"), quota.count("b")], [0, 0]);
  });
});

describe("a sync server with a bound per address", () => {
  const registry = new QueryRegistry()
    .define("demo:echo", { args: Type.Object({ i: Type.Number() }), evaluate: async (_ctx, { i }) => ({ value: i, keys: [] }) });
  const sockets: RawSync[] = [];
  const served = async (listening: ListeningSync, i: number) => {
    const raw = await RawSync.open(listening.baseUrl);
    sockets.push(raw);
    raw.connect();
    raw.send(subscribe(0, "demo:echo", { i }));
    assert.equal((await raw.next()).modifications[0].value, i);
    return raw;
  };
  after(() => Promise.all(sockets.map((s) => s.close())));

  it("does not hold loopback to it (the bridge, a reverse proxy on this host, the web UI's tabs)", async () => {
    const listening = await listeningSync(registry, { maxConnectionsPerIp: 1 });
    try {
      for (let i = 0; i < 3; i++) await served(listening, i);
      assert.equal(listening.sync.connections, 3);
    } finally {
      await listening.close();
    }
  });

  it("turns a socket past it away with 1013 TooManyConcurrentRequests, warns once, and serves the address again once one closes", async () => {
    const warnings: string[] = [];
    const log = { warn: (_details: object, message: string) => void warnings.push(message), error: () => {} };
    const listening = await listeningSync(registry, { maxConnectionsPerIp: 2, limitLoopback: true, closeGraceMs: 200 }, { log });
    try {
      const first = await served(listening, 1);
      await served(listening, 2);
      for (let i = 0; i < 2; i++) {
        const refused = await RawSync.open(listening.baseUrl);
        sockets.push(refused);
        refused.connect();
        refused.send({ type: "ModifyQuerySet", baseVersion: 0, newVersion: 1, modifications: [] });
        assert.deepEqual(await ending(refused), FULL);
      }
      assert.equal(warnings.length, 1);
      assert.match(warnings[0]!, /real-time sockets from 127\.0\.0\.1 at the limit \(2, --sync-max-connections-per-ip\)/);
      await first.close();
      await eventually(() => listening.sync.connections === 1, "the first socket closed at the server");
      await served(listening, 3);
    } finally {
      await listening.close();
    }
  });
});

describe("the hub's --sync-max-connections-per-principal", () => {
  let t: TestHub;
  const sockets: RawSync[] = [];
  const open = async (headers: Record<string, string> = {}) => {
    const raw = await RawSync.open(t.baseUrl, undefined, { headers });
    sockets.push(raw);
    raw.connect();
    return raw;
  };
  const agentSocket = async (token: string) => {
    const raw = await open();
    raw.send(subscribe(0, "agentWebSocket:pendingRuns", { token }));
    return raw;
  };

  before(async () => (t = await startTestHub({ syncMaxConnectionsPerPrincipal: "2" })));
  after(async () => {
    await Promise.all(sockets.map((s) => s.close()));
    await t.close();
  });

  it("serves an agent two sockets, closes a third once its token is checked, and serves another agent and a bad token", async () => {
    const [first, second] = [await agentSocket(t.creds.agentToken), await agentSocket(t.creds.agentToken)];
    assert.equal((await first.next()).modifications[0].type, "QueryUpdated");
    assert.equal((await second.next()).modifications[0].type, "QueryUpdated");
    assert.deepEqual(await ending(await agentSocket(t.creds.agentToken)), FULL);

    const other = (await t.owner(t.creds.ownerToken, "POST", "/agents", { name: "Other Bot" })).body as { token: string };
    assert.equal((await (await agentSocket(other.token)).next()).modifications[0].type, "QueryUpdated");
    // A token that proves nothing counts toward no one.
    const failed = await (await agentSocket("gca_not_a_token")).next();
    assert.deepEqual(failed.modifications[0].errorData, { code: "UNAUTHORIZED" });

    await first.close();
    await eventually(() => t.hub.realtime.connections === 3, "the first socket closed at the hub");
    assert.equal((await (await agentSocket(t.creds.agentToken)).next()).modifications[0].type, "QueryUpdated");
  });

  it("serves a person two web sockets (tabs) and closes a third at once, before any query runs", async () => {
    const headers = { cookie: await signIn(t), origin: t.baseUrl };
    for (let tab = 0; tab < 2; tab++) {
      const raw = await open(headers);
      raw.send(subscribe(0, "owner:me", {}));
      assert.equal((await raw.next()).modifications[0].type, "QueryUpdated");
    }
    const third = await open(headers);
    third.send(subscribe(0, "owner:me", {}));
    assert.deepEqual(await ending(third), FULL);
  });
});
