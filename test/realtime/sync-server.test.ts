import assert from "node:assert/strict";
import { once } from "node:events";
import { connect } from "node:net";
import { after, before, describe, it } from "node:test";
import type { ConvexClient } from "convex/browser";
import { anyApi, makeFunctionReference } from "convex/server";
import { Type } from "typebox";
import WebSocket from "ws";
import { ChangeFeed, emptyChangeSet, everythingChanged } from "../../src/hub/changes.ts";
import { QueryError, QueryRegistry } from "../../src/hub/realtime/registry.ts";
import type { SyncServer } from "../../src/hub/realtime/sync-server.ts";
import { eventually, listeningSync, RawSync, Recorder, stockClient, type ListeningSync } from "./support.ts";

/** A sync server with test queries of its own on a bare HTTP server, pinging every few ms. */
describe("the sync server's edges", () => {
  const feed = new ChangeFeed();
  let counter = 0;
  let lateRuns = 0;
  let flakyFailures = 0;
  const registry = new QueryRegistry()
    .define("demo:naive", { args: Type.Object({}), evaluate: async () => ({ value: [{ "naïve": true }], keys: ["agent:a"] }) })
    .define("demo:counter", { args: Type.Object({}), evaluate: async () => ({ value: counter, keys: ["agent:a"] }) })
    // Goes stale at once, so every keepalive tick re-runs it.
    .define("demo:ticks", { args: Type.Object({}), evaluate: async () => ({ value: ++counter, keys: [], expiresAt: 0 }) })
    // Fails its first run, saying what it read (what would make it visible), then answers.
    .define("demo:late", { args: Type.Object({}), evaluate: async () => {
      if (++lateRuns === 1) throw new QueryError("NOT_FOUND", "Not there yet", { keys: ["agent:late"] });
      return { value: "there", keys: ["agent:late"] };
    } })
    // Fails at every run, reading nothing first (an unknown token, say); counts its runs.
    .define("demo:denied", { args: Type.Object({}), evaluate: async () => {
      deniedRuns++;
      throw new QueryError("UNAUTHORIZED", "Invalid token");
    } })
    // Fails at every run, having read `agent:denied`; counts its runs.
    .define("demo:hidden", { args: Type.Object({}), evaluate: async () => {
      hiddenRuns++;
      throw new QueryError("NOT_FOUND", "Not yours", { keys: ["agent:hidden"] });
    } })
    // Answers, then fails once unexpectedly (a database that could not be reached, say), then answers again.
    .define("demo:flaky", { args: Type.Object({}), evaluate: async () => {
      if (flakyFailures > 0 && flakyFailures--) throw new Error("connection lost");
      return { value: "fine", keys: ["agent:flaky"] };
    } })
    // Fails unexpectedly at every run while `stillLocked`, reading nothing that will change; counts its runs.
    .define("demo:locked", { args: Type.Object({}), evaluate: async () => {
      lockedRuns++;
      if (stillLocked) throw new Error("database is locked");
      return { value: "unlocked", keys: ["agent:locked"] };
    } })
    // Fails unexpectedly at every run with `brokenMessage`, until it is null.
    .define("demo:broken", { args: Type.Object({}), evaluate: async () => {
      brokenRuns++;
      if (brokenMessage !== null) throw new Error(brokenMessage);
      return { value: "mended", keys: ["agent:broken"] };
    } });
  let brokenRuns = 0;
  let lockedRuns = 0;
  let stillLocked = true;
  let deniedRuns = 0;
  let hiddenRuns = 0;
  let brokenMessage: string | null = "disk I/O error";
  const logged: { udfPath?: string; message: string }[] = [];
  const log = {
    warn: () => {},
    error: (details: { udfPath?: string; err?: Error }, message: string) => logged.push({ udfPath: details.udfPath, message: `${message}: ${details.err?.message}` }),
  };
  let listening: ListeningSync;
  let sync: SyncServer;
  let baseUrl: string;
  let client: ConvexClient;
  /** A committed change to agent `id`. */
  const publish = (id: string) => {
    const changes = emptyChangeSet();
    changes.agents.add(id);
    feed.publish(changes);
  };

  before(async () => {
    listening = await listeningSync(registry, { pingIntervalMs: 20, clientTimeoutMs: 100, closeGraceMs: 500 }, { feed, log });
    ({ sync, baseUrl } = listening);
    client = stockClient(baseUrl);
  });
  after(async () => {
    await client.close();
    await listening.close();
  });

  it("sends a value the client could not decode as a QueryFailed, and the client lives on", async () => {
    const bad = new Recorder(client, anyApi.demo!.naive!, {});
    const error = await bad.untilError();
    assert.deepEqual(error.data, { code: "INVALID_VALUE" });
    const good = new Recorder(client, anyApi.demo!.counter!, {});
    const first = (await good.until(() => true)) as number;
    counter = first + 100;
    const changes = emptyChangeSet();
    changes.agents.add("a");
    feed.publish(changes);
    assert.equal(await good.until((v) => v === first + 100), first + 100);
  });

  it("re-runs a result that goes stale with time alone", async () => {
    const ticks = new Recorder(client, anyApi.demo!.ticks!, {});
    const first = (await ticks.until(() => true)) as number;
    await ticks.until((v) => (v as number) > first, "a re-run on a keepalive tick");
  });

  it("runs a query whose first run failed again when what it read before failing changes", async () => {
    const late = new Recorder(client, anyApi.demo!.late!, {});
    assert.deepEqual((await late.untilError()).data, { code: "NOT_FOUND" });
    publish("late");
    assert.equal(await late.until((v) => v === "there", "a re-run on the change"), "there");
  });

  it("runs a failed query again only when what it read changes, anything may have changed, or the client subscribes again: never at keepalives", async () => {
    const raw = await RawSync.open(baseUrl);
    const pings = (n: number) => new Promise<void>((resolve) => raw.ws.on("ping", () => --n === 0 && resolve()));
    // The next Transition after `version`: any frame the hub queued before it has gone.
    const acknowledged = async (version: number) => {
      raw.send({ type: "ModifyQuerySet", baseVersion: version, newVersion: version + 1, modifications: [] });
      return raw.next();
    };
    raw.connect();
    raw.send({ type: "ModifyQuerySet", baseVersion: 0, newVersion: 1, modifications: [
      { type: "Add", queryId: 0, udfPath: "demo:denied", args: [{}] }, { type: "Add", queryId: 1, udfPath: "demo:hidden", args: [{}] },
    ] });
    const first = await raw.next();
    assert.deepEqual(first.modifications.map((m: { type: string }) => m.type), ["QueryFailed", "QueryFailed"]);
    // Each protocol ping is one keepalive of this socket, which re-runs whatever went stale with time.
    await pings(5);
    assert.deepEqual((await acknowledged(1)).modifications, [], "nothing sent meanwhile");
    assert.deepEqual([deniedRuns, hiddenRuns], [1, 1], "no re-run at keepalives");
    publish("hidden");
    await eventually(() => hiddenRuns === 2, "a re-run on a change to what it read");
    assert.equal(deniedRuns, 1);
    feed.publish(everythingChanged());
    await eventually(() => deniedRuns === 2 && hiddenRuns === 3, "a re-run of both when anything may have changed");
    raw.send({ type: "ModifyQuerySet", baseVersion: 2, newVersion: 3, modifications: [
      { type: "Remove", queryId: 0 }, { type: "Add", queryId: 2, udfPath: "demo:denied", args: [{}] },
    ] });
    assert.deepEqual((await raw.next()).modifications.map((m: { type: string }) => m.type), ["QueryRemoved", "QueryFailed"]);
    assert.equal(deniedRuns, 3, "subscribed again: run again");
    await raw.close();
  });

  it("runs a query that failed unexpectedly again at the next change to what it read before, or once anything may have changed", async () => {
    // One list of both callbacks in order: the failure and the next answer may arrive in one read.
    const events: string[] = [];
    const handle = client.onUpdate(anyApi.demo!.flaky!, {}, (value) => events.push(`value ${String(value)}`), (error) => {
      events.push(`error ${(error as { data?: { code?: string } }).data?.code}`);
    });
    const answeredAfterFailure = (nth: number) => () => {
      const failures = events.flatMap((event, i) => (event === "error INTERNAL" ? [i] : []));
      return failures.length >= nth && events.slice(failures[nth - 1]! + 1).includes("value fine");
    };
    try {
      await eventually(() => events.includes("value fine"), "the first answer");
      flakyFailures = 1;
      publish("flaky");
      await eventually(() => events.includes("error INTERNAL"), "the failure");
      publish("flaky");
      await eventually(answeredAfterFailure(1), "an answer after the failure, from a re-run on the next change");
      flakyFailures = 1;
      publish("flaky");
      await eventually(() => events.filter((event) => event === "error INTERNAL").length === 2, "the second failure");
      feed.publish(everythingChanged());
      await eventually(answeredAfterFailure(2), "an answer after it, from a re-run once anything may have changed");
    } finally {
      handle.unsubscribe();
    }
  });

  it("runs a query that failed unexpectedly again at the socket's next keepalive, with no change at all (SQLite announces none when it mends)", async () => {
    const locked = new Recorder(client, anyApi.demo!.locked!, {});
    assert.deepEqual((await locked.untilError()).data, { code: "INTERNAL" });
    await eventually(() => lockedRuns >= 3, "re-runs at keepalives while it keeps failing");
    stillLocked = false;
    assert.equal(await locked.until((v) => v === "unlocked", "an answer from a keepalive's re-run"), "unlocked");
    locked.unsubscribe();
  });

  it("logs a query that keeps failing unexpectedly once per error message, however often it re-runs", async () => {
    const broken = new Recorder(client, anyApi.demo!.broken!, {});
    assert.deepEqual((await broken.untilError()).data, { code: "INTERNAL" });
    const brokenLines = () => logged.filter((line) => line.udfPath === "demo:broken").map((line) => line.message);
    const reruns = async (n: number) => {
      for (let i = 0; i < n; i++) {
        const runs = brokenRuns;
        feed.publish(everythingChanged());
        await eventually(() => brokenRuns > runs, "a re-run once anything may have changed");
      }
    };
    await reruns(3);
    assert.deepEqual(brokenLines(), ["real-time query failed: disk I/O error"]);
    brokenMessage = "database is locked";
    await reruns(3);
    assert.deepEqual(brokenLines(), ["real-time query failed: disk I/O error", "real-time query failed: database is locked"]);
    brokenMessage = null;
    await reruns(1);
    await broken.until((v) => v === "mended");
    brokenMessage = "database is locked";
    publish("broken");
    await eventually(() => brokenLines().length === 3, "the failure after a success logged again");
    broken.unsubscribe();
  });

  it("refuses an auth token with AuthError, so the stock client reports itself signed out and goes on serving queries", async () => {
    const own = stockClient(baseUrl);
    try {
      const signedIn = new Promise<boolean>((resolve) => own.setAuth(async () => "header.payload.signature", resolve));
      assert.equal(await signedIn, false);
      const counter = new Recorder(own, anyApi.demo!.counter!, {});
      await counter.until(() => true);
    } finally {
      await own.close();
    }
  });

  it("fails only the queries over the per-socket limit, and goes on serving the others on that socket", async () => {
    const own = stockClient(baseUrl);
    try {
      const served = Array.from({ length: 1000 }, (_, i) => new Recorder(own, anyApi.demo!.counter!, { i }));
      await Promise.all(served.map((r) => r.until(() => true)));
      const extra = new Recorder(own, anyApi.demo!.counter!, { i: 1000 });
      assert.deepEqual((await extra.untilError()).data, { code: "TOO_MANY_QUERIES" });
      // demo:ticks moves the counter too, so wait for at least this value.
      const target = ++counter;
      const changes = emptyChangeSet();
      changes.agents.add("a");
      feed.publish(changes);
      await Promise.all(served.map((r) => r.until((v) => (v as number) >= target)));
    } finally {
      await own.close();
    }
  });

  it("sends application Pings and protocol pings", async () => {
    const raw = await RawSync.open(baseUrl);
    const ping = new Promise<void>((resolve) => raw.ws.once("ping", () => resolve()));
    const appPing = new Promise<void>((resolve) => raw.ws.on("message", (d) => d.toString() === '{"type":"Ping"}' && resolve()));
    await Promise.all([ping, appPing]);
    await raw.close();
  });

  it("keeps a peer whose pongs come late (behind a long download, say), until it has missed them for the client timeout", async () => {
    const slow = await RawSync.open(baseUrl, "/api/1.48.0/sync", { autoPong: false });
    let pings = 0;
    const sixth = new Promise<void>((resolve) => slow.ws.on("ping", () => {
      if (++pings % 2 === 0) slow.ws.pong();
      if (pings === 6) resolve();
    }));
    await Promise.race([sixth, slow.closed.then(({ code }) => assert.fail(`dropped after ${pings} pings (close ${code})`))]);
    await slow.close();
  });

  it("drops a peer that stops answering pings", async () => {
    const silent = await RawSync.open(baseUrl, "/api/1.48.0/sync", { autoPong: false });
    assert.equal((await silent.closed).code, 1006);
  });

  it("answers 404 to an upgrade on another path, and lives through clients that reset such a connection at once", async () => {
    const { port } = new URL(baseUrl);
    const upgrade = (path: string) => `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
    const answer = await upgradeAnswer(baseUrl, "/elsewhere");
    assert.match(answer, /^HTTP\/1\.1 404 Not Found\r\n/);
    assert.deepEqual(JSON.parse(answer.split("\r\n\r\n")[1]!), { error: "No real-time endpoint at this path" });
    // Each reset lands while the hub writes its 404: an unheard error on that socket would end the process.
    for (let i = 0; i < 60; i++) {
      const rude = connect({ host: "127.0.0.1", port: Number(port) });
      rude.on("error", () => {});
      await once(rude, "connect");
      rude.write(upgrade("/elsewhere"));
      rude.resetAndDestroy();
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    const raw = await RawSync.open(baseUrl);
    raw.close();
  });

  it("closes every socket with 1012 ServiceRestart on close, and refuses new ones", async () => {
    // Two sockets of its own: the stock client's may be between reconnects (20 ms pings under a loaded machine).
    const sockets = await Promise.all([RawSync.open(baseUrl), RawSync.open(baseUrl)]);
    assert.ok(sync.connections >= 2);
    await sync.close();
    for (const raw of sockets) assert.deepEqual(await raw.closed, { code: 1012, reason: "ServiceRestart" });
    assert.equal(sync.connections, 0);
    const late = new WebSocket(`${baseUrl.replace("http", "ws")}/api/1.48.0/sync`);
    await new Promise<void>((resolve) => late.once("error", () => resolve()));
  });
});

/** A sync server with the usual keepalive that serves three queries per socket, so the limit is reached in a few subscriptions. */
describe("a client that asks for much", () => {
  const feed = new ChangeFeed();
  // Answers once `openGate` is called.
  let openGate!: () => void;
  const gate = new Promise<void>((resolve) => (openGate = resolve));
  const registry = new QueryRegistry()
    .define("demo:echo", { args: Type.Object({ i: Type.Number() }), evaluate: async (_ctx, { i }) => ({ value: i, keys: [] }) })
    .define("demo:gated", { args: Type.Object({}), evaluate: async () => (await gate, { value: "through", keys: [] }) });
  let listening: ListeningSync;
  let baseUrl: string;
  let sync: SyncServer;
  let client: ConvexClient;

  before(async () => {
    listening = await listeningSync(registry, { maxQueriesPerSocket: 3 }, { feed });
    ({ sync, baseUrl } = listening);
    client = stockClient(baseUrl);
  });
  after(async () => {
    await client.close();
    await listening.close();
  });

  const echo = (i: number) => new Recorder(client, anyApi.demo!.echo!, { i });
  const tooMany = async (r: Recorder) => assert.deepEqual((await r.untilError()).data, { code: "TOO_MANY_QUERIES" });

  it("serves a query refused over the limit once the client has removed others, oldest refused first", async () => {
    const served = [0, 1, 2].map(echo);
    await Promise.all(served.map((r) => r.until(() => true)));
    const [fourth, fifth] = [echo(3), echo(4)];
    await tooMany(fourth);
    await tooMany(fifth);
    served[0]!.unsubscribe();
    assert.equal(await fourth.until((v) => v === 3, "the refused query served once the set is back under the limit"), 3);
    assert.equal(sync.queries, 3);
    served[1]!.unsubscribe();
    assert.equal(await fifth.until((v) => v === 4), 4);
    for (const r of [served[2]!, fourth, fifth]) r.unsubscribe();
  });

  it("frees nothing when a refused query is removed, and serves new queries once served ones are removed", async () => {
    const served = [10, 11, 12].map(echo);
    await Promise.all(served.map((r) => r.until(() => true)));
    const refused = echo(13);
    await tooMany(refused);
    refused.unsubscribe();
    const next = echo(14);
    await tooMany(next);
    next.unsubscribe();
    served[0]!.unsubscribe();
    const added = echo(15);
    assert.equal(await added.until(() => true), 15);
    assert.equal(sync.queries, 3);
    for (const r of [served[1]!, served[2]!, added]) r.unsubscribe();
  });

  it("reads a client that sends faster than the hub answers at the hub's pace, and answers every frame in order", async () => {
    const raw = await RawSync.open(baseUrl);
    raw.connect();
    raw.send({ type: "ModifyQuerySet", baseVersion: 0, newVersion: 1, modifications: [{ type: "Add", queryId: 0, udfPath: "demo:gated", args: [{}] }] });
    // Far more than the hub reads ahead: they wait in the kernel's buffers and the client's.
    const event = JSON.stringify({ type: "Event", eventType: "x", event: "y".repeat(500_000) });
    // The first frame written means the hub is reading: it reads a few frames ahead of the held query, then stops.
    const firstWritten = new Promise<void>((resolve) => raw.ws.send(event, () => resolve()));
    for (let i = 1; i < 100; i++) raw.send(event);
    for (let v = 1; v <= 20; v++) raw.send({ type: "ModifyQuerySet", baseVersion: v, newVersion: v + 1, modifications: [] });
    await firstWritten;
    openGate();
    const first = await raw.next();
    assert.deepEqual(first.modifications, [{ type: "QueryUpdated", queryId: 0, value: "through", logLines: [], journal: null }]);
    for (let v = 2; v <= 21; v++) assert.equal((await raw.next()).endVersion.querySet, v);
    await raw.close();
  });
  it("fails a mutation or action it cannot read (a name too long, say), instead of closing the socket it would be sent on again", async () => {
    const own = stockClient(baseUrl);
    try {
      const live = new Recorder(own, anyApi.demo!.echo!, { i: 30 });
      await live.until(() => true);
      const name = `${"m".repeat(1100)}:run`;
      // The client sends an unanswered mutation again after every reconnect: a close would repeat forever.
      const giveUp = new Promise<never>((_, reject) => setTimeout(() => reject(new Error("the request never settled")), 15_000).unref());
      await assert.rejects(Promise.race([own.mutation(makeFunctionReference<"mutation">(name), {}), giveUp]), /Malformed Mutation: \/udfPath/);
      await assert.rejects(Promise.race([own.action(makeFunctionReference<"action">(name), {}), giveUp]), /Malformed Action: \/udfPath/);
      assert.equal(own.connectionState().connectionCount, 1, "the socket stayed open");
      const added = new Recorder(own, anyApi.demo!.echo!, { i: 31 });
      assert.equal(await added.until(() => true), 31);
    } finally {
      await own.close();
    }
  });
});

/** What the server answers a WebSocket upgrade to `path` with, read until it closes the connection. */
async function upgradeAnswer(baseUrl: string, path: string): Promise<string> {
  const socket = connect({ host: "127.0.0.1", port: Number(new URL(baseUrl).port) });
  socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n`
    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
  const chunks: Buffer[] = [];
  socket.on("data", (chunk: Buffer) => chunks.push(chunk));
  await once(socket, "close");
  return Buffer.concat(chunks).toString();
}
