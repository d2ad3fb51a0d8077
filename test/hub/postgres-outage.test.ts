import assert from "node:assert/strict";
import { createServer, connect, type Server, type Socket } from "node:net";
import { after, before, describe, it } from "node:test";
import type { ConvexClient } from "convex/browser";
import { anyApi } from "convex/server";
import { startTestHub, TEST_POSTGRES_URL, type Res, type TestHub } from "../support/hub.ts";
import { ids, Recorder, stockClient } from "../realtime/support.ts";

/** A TCP hop to the machine's PostgreSQL that a test can cut and restore, as a network or server outage would. */
class CuttableProxy {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  port = 0;

  async open(): Promise<void> {
    if (this.server) return;
    const target = new URL(TEST_POSTGRES_URL);
    this.server = createServer((client) => {
      const upstream = connect(Number(target.port || 5432), target.hostname);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on("close", () => this.sockets.delete(socket));
        socket.on("error", () => undefined);
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, "127.0.0.1", resolve));
    this.port = (this.server.address() as { port: number }).port;
  }

  async cut(): Promise<void> {
    const closed = new Promise((resolve) => this.server?.close(resolve));
    for (const socket of this.sockets) socket.destroy();
    await closed;
    this.server = null;
  }
}

describe("a hub whose PostgreSQL goes away for a while", () => {
  const proxy = new CuttableProxy();
  let t: TestHub;
  let client: ConvexClient | undefined;
  before(async () => {
    await proxy.open();
    t = await startTestHub({ database: "postgres", postgresUrl: `postgres://postgres@127.0.0.1:${proxy.port}${new URL(TEST_POSTGRES_URL).pathname}` });
  });
  after(async () => {
    await client?.close();
    await proxy.open(); // the hub closes its connections through it, should the test have left it cut
    await t.close();
    await proxy.cut();
  });

  const newTask = (title: string) => t.owner(t.creds.ownerToken, "POST", "/tasks", { projectId: t.creds.projectId, title });

  it("answers 503 with Retry-After while it is gone, then works again, its subscribers too", async () => {
    client = stockClient(t.baseUrl);
    const pending = new Recorder(client, anyApi.agentWebSocket!.pendingRuns!, { token: t.creds.agentToken });
    await pending.until(() => true, "the first result");

    await proxy.cut();
    const refused = [await newTask("During the outage"), await t.agent(t.creds.agentToken, "GET", "/runs?status=PENDING")];
    for (const res of refused) {
      assert.equal(res.status, 503, JSON.stringify(res.body));
      assert.match(res.body.error, /database is unreachable/);
      assert.equal(res.headers.get("retry-after"), "2");
    }

    await proxy.open();
    // Back: the pool makes new connections (the first tries may still meet the cut ones).
    let task: Res = await newTask("After the outage");
    for (let tries = 0; task.status === 503 && tries < 100; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      task = await newTask("After the outage");
    }
    assert.equal(task.status, 201, JSON.stringify(task.body));
    const run = await t.owner(t.creds.ownerToken, "POST", `/tasks/${task.body.id}/delegate`, { agentId: t.creds.agentId });
    assert.equal(run.status, 201);
    await pending.until((v) => ids(v).includes(run.body.id), "the run delegated after the outage");
    const tasks = await t.owner(t.creds.ownerToken, "GET", `/tasks?projectId=${t.creds.projectId}`);
    assert.deepEqual((tasks.body as { title: string }[]).map((x) => x.title), ["After the outage"], "nothing half-written from the outage");
  });
});
