import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { copyFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { ConvexClient } from "convex/browser";
import { anyApi } from "convex/server";
import { serve, spawnHub, stop } from "../support/cli.ts";
import { dropTestSchema, request, TEST_POSTGRES_URL, testSchema, type Res } from "../support/hub.ts";
import { tempDir } from "../support/temp.ts";
import pg from "pg";
import { ids, Recorder, stockClient } from "../realtime/support.ts";
import type { Credentials } from "../../src/hub/setup.ts";

/** Two `hub` processes, as a user runs them on two machines, sharing one PostgreSQL schema. */
describe("several hubs on one PostgreSQL database", () => {
  const schema = testSchema();
  const database = `${TEST_POSTGRES_URL}?schema=${schema}`;
  const children: ChildProcess[] = [];
  let client: ConvexClient | undefined;
  let first: { baseUrl: string; apiUrl: string };
  let second: { baseUrl: string; apiUrl: string };
  let creds: Credentials;

  const started = async (dir: string) => {
    const child = spawnHub(dir, "--database", database);
    children.push(child);
    const { apiUrl, convexUrl } = await serve(child);
    return { baseUrl: convexUrl, apiUrl };
  };
  const owner = (hub: { baseUrl: string }, method: string, path: string, body?: unknown) =>
    request(`${hub.baseUrl}/api/v1${path}`, {
      method, headers: { authorization: `Bearer ${creds.ownerToken}`, ...(body ? { "content-type": "application/json" } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
  const agent = (hub: { apiUrl: string }, token: string, method: string, path: string, body?: unknown) =>
    request(`${hub.apiUrl}${path}`, {
      method, headers: { authorization: `Bearer ${token}`, ...(body ? { "content-type": "application/json" } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
  const created = (res: Res, what: string) => {
    assert.equal(res.status, 201, `${what}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };

  before(async () => {
    const firstDir = tempDir("gc-pg-first-");
    first = await started(firstDir);
    creds = JSON.parse(readFileSync(join(firstDir, "credentials.json"), "utf8")) as Credentials;
    // The second machine gets the first one's credentials file (the tokens exist only there).
    const secondDir = tempDir("gc-pg-second-");
    copyFileSync(join(firstDir, "credentials.json"), join(secondDir, "credentials.json"));
    second = await started(secondDir);
  });
  after(async () => {
    await client?.close();
    await Promise.all(children.map(stop));
    await dropTestSchema(schema);
  });

  it("hears of a run delegated through one hub on a subscription to the other, and of its stop", async () => {
    client = stockClient(second.baseUrl);
    const pending = new Recorder(client, anyApi.agentWebSocket!.pendingRuns!, { token: creds.agentToken });
    const stopped = new Recorder(client, anyApi.agentWebSocket!.stoppedRuns!, { token: creds.agentToken });
    await pending.until(() => true, "the first result");

    const task = created(await owner(first, "POST", "/tasks", { projectId: creds.projectId, title: "Across hubs" }), "create task");
    const run = created(await owner(first, "POST", `/tasks/${task.id}/delegate`, { agentId: creds.agentId }), "delegate");
    await pending.until((v) => ids(v).includes(run.id), "the run delegated through the first hub");

    assert.equal((await agent(second, creds.agentToken, "POST", `/runs/${run.id}/start`, {})).status, 200);
    await pending.until((v) => !ids(v).includes(run.id), "the run to leave the pending list once started");
    assert.equal((await owner(first, "POST", `/runs/${run.id}/stop`)).status, 200);
    await stopped.until((v) => ids(v).includes(run.id), "the stop made through the first hub");

    const late = await agent(second, creds.agentToken, "POST", `/runs/${run.id}/complete`, { body: "done" });
    assert.equal(late.status, 409);
    assert.equal(late.body.status, "STOPPED");
    assert.deepEqual(pending.errors, []);
  });

  it("stops taking an agent's old token on the other hub once it is rotated", async () => {
    const bot = created(await owner(first, "POST", "/agents", { name: "Rotated Bot" }), "create agent");
    // The second hub has the token cached after a first call.
    assert.equal((await agent(second, bot.token, "GET", "/me")).status, 200);
    const { token } = created(await owner(first, "POST", `/agents/${bot.id}/token`), "rotate");

    // The other hub hears of the rotation when it commits: a moment later, not within the rotating call.
    const giveUp = Date.now() + 15_000;
    while ((await agent(second, bot.token, "GET", "/me")).status !== 401) {
      assert.ok(Date.now() < giveUp, "gave up waiting for the old token to be refused by the second hub");
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.equal((await agent(second, token, "GET", "/me")).status, 200);
  });

  it("stops taking a revoked personal access token on the other hub too", async () => {
    const made = created(await owner(first, "POST", "/tokens", { name: "Across hubs" }), "create token");
    const withToken = (hub: { baseUrl: string }) =>
      request(`${hub.baseUrl}/api/v1/workspaces`, { method: "GET", headers: { authorization: `Bearer ${made.token}` } });
    // Both hubs have it cached after a first call.
    assert.equal((await withToken(first)).status, 200);
    assert.equal((await withToken(second)).status, 200);
    assert.equal((await owner(first, "DELETE", `/tokens/${made.id}`)).status, 204);
    assert.equal((await withToken(first)).status, 401, "refused at once where it was revoked");

    const giveUp = Date.now() + 15_000;
    while ((await withToken(second)).status !== 401) {
      assert.ok(Date.now() < giveUp, "gave up waiting for the revoked token to be refused by the second hub");
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  });

  it("will not set a shared database up twice: a hub without the credentials file says where they are", async () => {
    const child = spawnHub(tempDir("gc-pg-third-"), "--database", database);
    children.push(child);
    let output = "";
    child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((done) => child.once("exit", done));
    assert.equal(code, 1);
    assert.match(output, /already set up.*credentials\.json.*Copy credentials\.json from the data dir of the hub that set it up/s);
    const db = new pg.Client({ connectionString: TEST_POSTGRES_URL });
    await db.connect();
    try {
      const { rows } = await db.query(`SELECT count(*)::int AS owners FROM ${schema}.users WHERE kind = 'user'`);
      assert.deepEqual(rows, [{ owners: 1 }], "no second owner was made");
    } finally {
      await db.end();
    }
  });
});
