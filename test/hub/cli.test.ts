/**
 * The hub's commands, run as a user runs them (`node bin/openclaw-groupchat.mjs …`
 * in a child process): init, user add, serving on a free port, one serving hub
 * per data dir, and the one-line errors that keep a hub from starting.
 */
import assert from "node:assert/strict";
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { createServer, type AddressInfo } from "node:net";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import pg from "pg";
import { png } from "../bridge/support/image-server.ts";
import { BIN, cli, ROOT, serve, spawnHub, stop } from "../support/cli.ts";
import { dropTestSchema, request, TEST_POSTGRES_URL, testSchema } from "../support/hub.ts";

const run = promisify(execFile);

/**
 * Sends the starting hub SIGTERM once it waits for the lock `holder` holds, then lets it go on:
 * it exits 0, having said nothing.
 */
async function stopsWhileStarting(early: ChildProcess, holder: pg.Client, lock: string, schema: string): Promise<void> {
  let output = "";
  for (const stream of [early.stdout!, early.stderr!]) stream.on("data", (chunk: Buffer) => (output += chunk.toString()));
  try {
    while ((await holder.query(WAITING_FOR_MY_LOCK)).rowCount === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    early.kill("SIGTERM");
    await holder.query(`SELECT pg_advisory_unlock(${lock})`, [schema]);
    const [code, signal] = await once(early, "exit");
    assert.deepEqual([code, signal, output], [0, null, ""]);
  } finally {
    await stop(early);
  }
}

/** Another session waits for an advisory lock this one holds. */
const WAITING_FOR_MY_LOCK = `SELECT 1 FROM pg_locks w JOIN pg_locks h
  ON (h.database, h.classid, h.objid, h.objsubid) IS NOT DISTINCT FROM (w.database, w.classid, w.objid, w.objsubid)
  WHERE h.locktype = 'advisory' AND w.locktype = 'advisory' AND h.pid = pg_backend_pid() AND h.granted AND NOT w.granted`;

describe("CLI", () => {
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), "gc-cli-"))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("hub init --json sets up an empty dir, prints the credentials and writes them with mode 0600; again prints the same", async () => {
    const data = join(dir, "init");
    const first = await cli("hub", "init", "--data", data, "--json");
    assert.equal(first.code, 0, first.stderr);
    const creds = JSON.parse(first.stdout);
    assert.deepEqual(Object.keys(creds).sort(), ["agentId", "agentToken", "ownerId", "ownerToken", "projectId", "workspaceId"]);
    assert.match(creds.ownerToken, /^gcp_/);
    assert.match(creds.agentToken, /^gca_/);
    assert.match(creds.ownerId, /^usr_/);
    assert.match(creds.agentId, /^agt_/);
    assert.match(creds.workspaceId, /^ws_/);
    assert.match(creds.projectId, /^prj_/);
    const file = join(data, "credentials.json");
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.deepEqual(JSON.parse(readFileSync(file, "utf8")), creds);

    const second = await cli("hub", "init", "--data", data, "--json");
    assert.equal(second.code, 0, second.stderr);
    assert.deepEqual(JSON.parse(second.stdout), creds);
  });

  it("hub user add --json prints { userId, ownerToken }; hub --port 0 serves the API on the port it prints", async () => {
    const data = join(dir, "serve");
    const init = await cli("hub", "init", "--data", data, "--json");
    assert.equal(init.code, 0, init.stderr);
    const creds = JSON.parse(init.stdout);
    const added = await cli("hub", "user", "add", "Bob", "--data", data, "--json");
    assert.equal(added.code, 0, added.stderr);
    const bob = JSON.parse(added.stdout);
    assert.deepEqual(Object.keys(bob).sort(), ["ownerToken", "userId"]);
    assert.match(bob.ownerToken, /^gcp_/);

    const child = spawnHub(data);
    try {
      const { apiUrl, convexUrl, output } = await serve(child);
      assert.match(output, /writes on the HTTP thread/);
      const url = new URL(apiUrl);
      assert.equal(url.hostname, "127.0.0.1");
      assert.notEqual(url.port, "0");
      assert.equal(url.pathname, "/api/v1/agent");
      assert.equal(convexUrl, `http://127.0.0.1:${url.port}`);

      const me = await request(`${apiUrl}/me`, { headers: { authorization: `Basic ${Buffer.from(`${creds.agentToken}:`).toString("base64")}` } });
      assert.equal(me.status, 200);
      assert.equal(me.body.id, creds.agentId);
      const owner = (path: string, token: string) => request(`${convexUrl}/api/v1${path}`, { headers: { authorization: `Bearer ${token}` } });
      const bobMe = await owner("/me", bob.ownerToken);
      assert.equal(bobMe.status, 200);
      assert.deepEqual([bobMe.body.id, bobMe.body.name], [bob.userId, "Bob"]);
      // Bob joined the hub's first workspace.
      assert.deepEqual((await owner("/workspaces", bob.ownerToken)).body.map((w: { id: string }) => w.id), [creds.workspaceId]);
      assert.equal((await owner("/me", creds.ownerToken)).body.id, creds.ownerId);
      assert.equal((await request(`${convexUrl}/api/v1/openapi.json`, {})).body.openapi, "3.1.0");
    } finally {
      assert.equal(await stop(child), 0);
    }
  });

  it("hub user add after the hub's first workspace was deleted adds the person to no workspace and says so (it crashed on the purged row)", async () => {
    const data = join(dir, "first-deleted");
    const creds = JSON.parse((await cli("hub", "init", "--data", data, "--json")).stdout);
    const child = spawnHub(data);
    try {
      const { convexUrl } = await serve(child);
      const gone = await request(`${convexUrl}/api/v1/workspaces/${creds.workspaceId}`, { method: "DELETE", headers: { authorization: `Bearer ${creds.ownerToken}` } });
      assert.equal(gone.status, 204);
    } finally {
      assert.equal(await stop(child), 0);
    }
    const added = await cli("hub", "user", "add", "Zoe", "--data", data, "--json");
    assert.equal(added.code, 0, added.stderr);
    assert.deepEqual(Object.keys(JSON.parse(added.stdout)).sort(), ["ownerToken", "userId"]);
    assert.match(added.stderr, /^The hub's first workspace was deleted, so they are in no workspace yet: invite them from one/);
    assert.doesNotMatch(added.stderr, /\n\s+at /, "no stack trace");
  });

  it("hub --public-url prints the agent URLs and the sign-in link on that address, and gives uploads URLs on it", async () => {
    const data = join(dir, "public");
    const init = await cli("hub", "init", "--data", data, "--json");
    assert.equal(init.code, 0, init.stderr);
    const creds = JSON.parse(init.stdout);
    const child = spawnHub(data, "--public-url", "https://hub.example.com/");
    let printed = "";
    child.stdout!.on("data", (chunk: Buffer) => (printed += chunk.toString()));
    try {
      const { apiUrl, convexUrl, output } = await serve(child);
      assert.deepEqual([apiUrl, convexUrl], ["https://hub.example.com/api/v1/agent", "https://hub.example.com"]);
      while (!printed.includes("login#code=")) await once(child.stdout!, "data");
      assert.match(printed, /sign-in .*: https:\/\/hub\.example\.com\/login#code=gcl_/);
      // It still listens where it said: reach it there, as a proxy in front of it would.
      const local = /listening on (http:\/\/\S+)/.exec(output)![1]!;
      const uploaded = await fetch(`${local}/api/v1/uploads?workspaceId=${creds.workspaceId}`, {
        method: "POST", headers: { authorization: `Bearer ${creds.ownerToken}`, "content-type": "image/png" }, body: new Uint8Array(png()),
      });
      assert.equal(uploaded.status, 201);
      const { url } = await uploaded.json() as { url: string };
      assert.match(url, /^https:\/\/hub\.example\.com\/files\/upl_/);
      const served = await fetch(url.replace("https://hub.example.com", local));
      assert.ok(Buffer.from(await served.arrayBuffer()).equals(png()));
    } finally {
      assert.equal(await stop(child), 0);
    }
  });

  it("hub --writer thread serves a full run lifecycle with its writes on a writer thread", async () => {
    const data = join(dir, "thread");
    const child = spawnHub(data, "--writer", "thread");
    try {
      const { apiUrl, convexUrl, output } = await serve(child);
      assert.match(output, /writes on a writer thread/);
      const creds = JSON.parse(readFileSync(join(data, "credentials.json"), "utf8"));
      const post = (url: string, auth: string, body: unknown) =>
        request(url, { method: "POST", headers: { authorization: auth, "content-type": "application/json" }, body: JSON.stringify(body) });
      const owner = `Bearer ${creds.ownerToken}`;
      const agent = `Basic ${Buffer.from(`${creds.agentToken}:`).toString("base64")}`;
      const task = await post(`${convexUrl}/api/v1/tasks`, owner, { projectId: creds.projectId, title: "Write the changelog" });
      assert.equal(task.status, 201);
      const run = await post(`${convexUrl}/api/v1/tasks/${task.body.id}/delegate`, owner, { agentId: creds.agentId });
      assert.equal(run.status, 201);
      assert.equal((await post(`${apiUrl}/runs/${run.body.id}/start`, agent, { body: "On it." })).status, 200);
      assert.equal((await post(`${apiUrl}/runs/${run.body.id}/comment`, agent, { body: "Half done." })).status, 201);
      assert.equal((await post(`${apiUrl}/runs/${run.body.id}/complete`, agent, { body: "Done.", stepCostUsd: 0.02 })).status, 200);
      const detail = await request(`${apiUrl}/runs/${run.body.id}`, { headers: { authorization: agent } });
      assert.equal(detail.body.status, "FINISHED");
      assert.equal(detail.body.totalCostUsd, 0.02);
      assert.deepEqual(
        detail.body.activity.filter((a: { type: string }) => a.type === "comment").map((a: { body: string }) => a.body),
        ["On it.", "Half done.", "Done."],
      );
    } finally {
      assert.equal(await stop(child), 0);
    }
  });

  it("refuses a second hub on a data dir that one serves, without a stack trace; hub login beside it links to where it serves; once the first dies, even by SIGKILL, the next one starts", async () => {
    const data = join(dir, "twice");
    const first = spawnHub(data);
    let third: ChildProcess | null = null;
    try {
      const { apiUrl } = await serve(first);
      const second = await cli("hub", "--data", data, "--port", "0", "--log-level", "silent");
      assert.equal(second.code, 1);
      assert.match(second.stderr, /^Another hub is already serving .*twice \(it holds .*hub\.lock\)\. Stop it first, or give this one another --data\.\n$/);
      // One-shot commands still work beside it (WAL), and it still serves.
      assert.equal((await cli("hub", "login", "--data", data, "--json")).code, 0);
      const creds = JSON.parse(readFileSync(join(data, "credentials.json"), "utf8"));
      // A link for someone else (a person let in by an invite who signed out); an agent's user is no one to sign in.
      const cy = JSON.parse((await cli("hub", "user", "add", "Cy", "--data", data, "--json")).stdout);
      const link = JSON.parse((await cli("hub", "login", "--data", data, "--user", cy.userId, "--json")).stdout);
      const signedIn = await request(`${new URL(apiUrl).origin}/api/v1/session`, {
        method: "POST", headers: { "content-type": "application/json", "x-groupchat-csrf": "1" }, body: JSON.stringify({ code: link.code }),
      });
      assert.deepEqual([signedIn.status, signedIn.body.name], [200, "Cy"]);
      // The link goes where this hub serves (a free port, not the default 3210), unless told another address.
      assert.equal(new URL(link.url).origin, new URL(apiUrl).origin);
      const told = JSON.parse((await cli("hub", "login", "--data", data, "--port", "3210", "--json")).stdout);
      assert.equal(new URL(told.url).origin, "http://127.0.0.1:3210");
      const nobody = await cli("hub", "login", "--data", data, "--user", "usr_nobody");
      assert.equal(nobody.code, 2);
      assert.match(nobody.stderr, /^--user: no person with id "usr_nobody" on this hub/);
      const me = await request(`${apiUrl}/me`, { headers: { authorization: `Bearer ${creds.agentToken}` } });
      assert.equal(me.status, 200);

      first.kill("SIGKILL");
      await once(first, "exit");
      third = spawnHub(data);
      const again = await serve(third);
      const next = JSON.parse((await cli("hub", "login", "--data", data, "--json")).stdout);
      assert.equal(new URL(next.url).origin, new URL(again.apiUrl).origin);
    } finally {
      await stop(first);
      if (third) assert.equal(await stop(third), 0);
    }
  });

  for (const command of [["hub"], ["start", "--no-bridge"]]) {
    it(`${command.join(" ")}: a SIGTERM while it starts stops it there (exit 0) before it opens its port or says it serves, and the next start serves the same data`, async (context) => {
      const data = join(dir, command.join(""));
      const schema = testSchema();
      context.after(() => dropTestSchema(schema));
      const spawnIt = (port: string) => spawn(process.execPath, [
        BIN, ...command, "--data", data, "--database", `${TEST_POSTGRES_URL}?schema=${schema}`, "--host", "127.0.0.1", "--port", port, "--log-level", "silent",
      ], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
      // Its port taken: a hub that went on to listen after the signal would fail there, not exit 0.
      const taken = createServer();
      taken.listen(0, "127.0.0.1");
      await once(taken, "listening");
      // The migrations' lock held (db/postgres.ts): the hub waits for it as it starts, and is sure to be starting when the signal comes.
      const holder = new pg.Client({ connectionString: TEST_POSTGRES_URL });
      await holder.connect();
      const lock = "hashtext('openclaw-groupchat migrations ' || $1::text)";
      await holder.query(`SELECT pg_advisory_lock(${lock})`, [schema]);
      try {
        await stopsWhileStarting(spawnIt(String((taken.address() as AddressInfo).port)), holder, lock, schema);
      } finally {
        await holder.end();
        taken.close();
      }
      const again = spawnIt("0");
      try {
        // `start` indents the URLs it prints: read them anywhere in a line.
        let printed = "";
        again.stdout!.on("data", (chunk: Buffer) => (printed += chunk.toString()));
        while (!/GROUPCHAT_CONVEX_URL=/.test(printed)) await once(again.stdout!, "data");
        const apiUrl = /GROUPCHAT_API_URL=(\S+)/.exec(printed)![1]!;
        const creds = JSON.parse(readFileSync(join(data, "credentials.json"), "utf8"));
        assert.equal((await request(`${apiUrl}/me`, { headers: { authorization: `Bearer ${creds.agentToken}` } })).status, 200);
      } finally {
        assert.equal(await stop(again), 0);
      }
    });
  }

  /** `args` in a child process with `env` over ours (no GROUPCHAT_LOG_LEVEL of ours), up to its sign-in link, then SIGTERM: what it printed. */
  async function printedUntilSignIn(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ stdout: string; stderr: string }> {
    const { GROUPCHAT_LOG_LEVEL: _, ...ours } = process.env;
    const child = spawn(process.execPath, [BIN, ...args, "--port", "0"], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"], env: { ...ours, ...env } });
    let [stdout, stderr] = ["", ""];
    child.stdout!.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    try {
      while (!stdout.includes("login#code=")) {
        if (child.exitCode !== null) throw new Error(`${args.join(" ")} exited (${child.exitCode}):\n${stdout}${stderr}`);
        await once(child.stdout!, "data");
      }
    } finally {
      assert.equal(await stop(child), 0, stderr);
    }
    return { stdout, stderr };
  }

  it("hub and start print only their own lines at the default log level (not Fastify's \"Server listening at\"), and both take GROUPCHAT_LOG_LEVEL (start ignored it)", async () => {
    const hub = await printedUntilSignIn(["hub", "--data", join(dir, "quiet-hub")]);
    assert.equal(hub.stderr, "");
    assert.deepEqual(hub.stdout.trimEnd().split("\n").map((line) => /^(GroupChat hub listening on |GROUPCHAT_API_URL=|GROUPCHAT_CONVEX_URL=|Web UI sign-in )/.exec(line)?.[1] ?? line), [
      "GroupChat hub listening on ", "GROUPCHAT_API_URL=", "GROUPCHAT_CONVEX_URL=", "Web UI sign-in ",
    ]);
    const start = await printedUntilSignIn(["start", "--no-bridge", "--data", join(dir, "quiet-start")]);
    assert.equal(start.stderr, "");
    assert.doesNotMatch(start.stdout, /Server listening|"level"/);
    assert.match(start.stdout, /^GroupChat hub: http:/);

    // Asked for (the env var, as for the bridge), the hub's own log has that line too, whichever command runs it.
    for (const command of [["hub"], ["start", "--no-bridge"]]) {
      const debug = await printedUntilSignIn([...command, "--data", join(dir, `debug-${command[0]}`)], { GROUPCHAT_LOG_LEVEL: "debug" });
      assert.match(debug.stdout, /"level":20,.*"msg":"Server listening at http:\/\/127\.0\.0\.1:\d+"/, command.join(" "));
    }
    const bad = await cli("start", "--no-bridge", "--data", join(dir, "loud"), "--port", "0", "--log-level", "loud");
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^--log-level must be one of silent, error, warn, info, debug\n/);
  });

  it("start whose bridge cannot take its settings exits 2 with the usage, and closes the hub it started (its WAL folded back)", async () => {
    const data = join(dir, "bad-bridge");
    const failed = await run(process.execPath, [BIN, "start", "--data", data, "--port", "0", "--log-level", "silent"], {
      cwd: ROOT, timeout: 30_000, env: { ...process.env, GROUPCHAT_BRIDGE_GRACE: "soon", OPENCLAW_GATEWAY_URL: "ws://127.0.0.1:9" },
    }).then(() => null, (error: { code?: number; stderr?: string }) => error);
    assert.equal(failed?.code, 2);
    assert.match(failed?.stderr ?? "", /grace/i);
    assert.deepEqual(readdirSync(data).filter((f) => f.startsWith("hub.sqlite")), ["hub.sqlite"]);
  });

  it("start keeps the hub serving when its bridge's token is refused (rotated in the web UI), and says how to go on; Ctrl+C then exits 0", async () => {
    const data = join(dir, "rotated");
    const child = spawn(process.execPath, [BIN, "start", "--data", data, "--port", "0"], {
      cwd: ROOT, stdio: ["ignore", "pipe", "pipe"],
      // A gateway that is not there: the bridge starts (it reconnects in connect mode), which is all this needs.
      env: { ...process.env, OPENCLAW_GATEWAY_URL: "ws://127.0.0.1:9", GROUPCHAT_BRIDGE_METRICS: "off", GROUPCHAT_LOG_FORMAT: "json" },
    });
    try {
      let output = "";
      const seen = (pattern: RegExp) => new Promise<void>((resolve, reject) => {
        const check = () => (pattern.test(output) ? resolve() : undefined);
        child.stdout!.on("data", (chunk: Buffer) => { output += chunk.toString(); check(); });
        child.stderr!.on("data", (chunk: Buffer) => { output += chunk.toString(); check(); });
        child.once("exit", (code) => reject(new Error(`start exited (${code}):\n${output}`)));
        check();
      });
      await seen(/GroupChat real-time connected/);
      const base = /GroupChat hub: (http:\/\/\S+)/.exec(output)![1]!;
      const creds = JSON.parse(readFileSync(join(data, "credentials.json"), "utf8"));
      const owner = (method: string, path: string) => request(`${base}/api/v1${path}`, { method, headers: { authorization: `Bearer ${creds.ownerToken}` } });
      assert.equal((await owner("POST", `/agents/${creds.agentId}/token`)).status, 201);
      await seen(/The hub serves on at .* without the bridge/);
      assert.match(output, /token/i);
      // The hub still answers, and a new task can be made in it.
      assert.equal((await owner("GET", "/me")).status, 200);
      assert.equal(child.exitCode, null);
    } finally {
      assert.equal(await stop(child), 0);
    }
  });

  it("says which port is taken, without a stack trace, and exits 1", async () => {
    const blocker = createServer().listen(0, "127.0.0.1");
    await once(blocker, "listening");
    const { port } = blocker.address() as AddressInfo;
    try {
      const res = await cli("hub", "--data", join(dir, "port"), "--port", String(port), "--log-level", "silent");
      assert.equal(res.code, 1);
      assert.equal(res.stderr, `Port ${port} on 127.0.0.1 is already in use (another hub?). Stop that process, or pass --port with a free port (--port 0 picks one).\n`);
      // The data dir's lock went with the process: another hub serves it at once.
      const child = spawnHub(join(dir, "port"));
      try {
        await serve(child);
      } finally {
        assert.equal(await stop(child), 0);
      }
    } finally {
      blocker.close();
    }
  });

  it("stops with one clear line (exit 1) on a data dir whose database is not one, or whose credentials file is damaged", async () => {
    const notADatabase = join(dir, "not-a-db");
    mkdirSync(notADatabase);
    writeFileSync(join(notADatabase, "hub.sqlite"), "these are someone's notes\n");
    for (const writer of ["thread", "local"]) {
      const res = await cli("hub", "--data", notADatabase, "--port", "0", "--writer", writer);
      assert.equal(res.code, 1);
      assert.equal(res.stderr, `${join(notADatabase, "hub.sqlite")} is not an SQLite database. Point --data at a hub's data dir, or move that file away to start afresh.\n`);
    }
    assert.equal(readFileSync(join(notADatabase, "hub.sqlite"), "utf8"), "these are someone's notes\n", "left as it was");

    const damaged = join(dir, "damaged");
    assert.equal((await cli("hub", "init", "--data", damaged)).code, 0);
    const file = join(damaged, "credentials.json");
    const restore = "Restore it from a backup: it holds the owner's and the agent's tokens, which the hub keeps only as hashes.";
    writeFileSync(file, "{ \"ownerToken\": ");
    const broken = await cli("hub", "--data", damaged, "--port", "0");
    assert.equal(broken.code, 1);
    assert.ok(broken.stderr.startsWith(`${file} is not valid JSON (`), broken.stderr);
    assert.ok(broken.stderr.endsWith(`). ${restore}\n`), broken.stderr);
    assert.equal(broken.stderr.split("\n").length, 2, "one line");
    writeFileSync(file, JSON.stringify({ ownerToken: "gcp_x", ownerId: 5 }));
    const partial = await cli("hub", "login", "--data", damaged);
    assert.equal(partial.code, 1);
    assert.equal(partial.stderr, `${file} lacks ownerId, agentToken, agentId, workspaceId, projectId. ${restore}\n`);
  });

  it("says in one line, exit 1, that a data dir or a backup's --out cannot be made (a file in the way), on either writer", async () => {
    const file = join(dir, "a-file");
    writeFileSync(file, "notes\n");
    for (const [data, code] of [[file, "EEXIST"], [join(file, "hub"), "ENOTDIR"]] as const) {
      for (const writer of ["local", "thread"]) {
        const res = await cli("hub", "--data", data, "--port", "0", "--writer", writer);
        assert.equal(res.code, 1);
        assert.equal(res.stderr, `Cannot use ${data} as the data dir: it, or a directory above it, is a file (${code}). Pass --data a directory (a new one is made).\n`);
      }
    }
    const data = join(dir, "to-back-up");
    assert.equal((await cli("hub", "init", "--data", data)).code, 0);
    const backup = await cli("hub", "backup", "--data", data, "--out", join(file, "copy"));
    assert.equal(backup.code, 1);
    assert.equal(backup.stderr, `Cannot use ${join(file, "copy")} as the backup: it, or a directory above it, is a file (ENOTDIR). Pass --out a directory (a new one is made).\n`);
    assert.equal(readFileSync(file, "utf8"), "notes\n", "left as it was");
  });

  it("says in one line, exit 1, that a data dir or a backup's --out cannot be made where the file system makes none (/proc): it spun forever, deaf to SIGTERM", {
    skip: !existsSync("/proc/self") && "no /proc here",
  }, async () => {
    for (const writer of ["local", "thread"]) {
      const res = await cli("hub", "--data", "/proc/groupchat-hub", "--port", "0", "--writer", writer);
      assert.deepEqual([res.code, res.stderr], [1, "Cannot create the data dir /proc/groupchat-hub (ENOENT). Check that the directory above it exists and is writable by this user, or pass another --data.\n"]);
    }
    const init = await cli("hub", "init", "--data", "/proc/groupchat-hub/deeper");
    assert.deepEqual([init.code, init.stderr], [1, "Cannot create the data dir /proc/groupchat-hub/deeper (ENOENT). Check that the directory above it exists and is writable by this user, or pass another --data.\n"]);
    const data = join(dir, "to-back-up-to-proc");
    assert.equal((await cli("hub", "init", "--data", data)).code, 0);
    const backup = await cli("hub", "backup", "--data", data, "--out", "/proc/groupchat-copy");
    assert.deepEqual([backup.code, backup.stderr], [1, "Cannot create the backup /proc/groupchat-copy (ENOENT). Check that the directory above it exists and is writable by this user, or pass another --out.\n"]);
  });

  it("on PostgreSQL, a data dir that cannot be made stops the hub before it sets the database up, so a start with a good one sets it up", async () => {
    const schema = testSchema();
    const database = `${TEST_POSTGRES_URL}?schema=${schema}`;
    const file = join(dir, "pg-file");
    writeFileSync(file, "");
    try {
      const res = await cli("hub", "init", "--data", join(file, "hub"), "--database", database);
      assert.equal(res.code, 1);
      assert.match(res.stderr, /^Cannot use .* as the data dir: .*\(ENOTDIR\)/);
      const good = await cli("hub", "init", "--data", join(dir, "pg-good"), "--database", database, "--json");
      assert.equal(good.code, 0, good.stderr);
      assert.match(JSON.parse(good.stdout).ownerToken, /^gcp_/);
    } finally {
      await dropTestSchema(schema);
    }
  });

  it("hub login and hub user add refuse a data dir that was never set up (a typo), exit 1, instead of setting up a hub no one serves", async () => {
    for (const args of [["hub", "login"], ["hub", "user", "add", "Bob"]]) {
      const data = join(dir, `typo-${args.length}`);
      const res = await cli(...args, "--data", data);
      assert.equal(res.code, 1);
      assert.equal(res.stderr, `${data} is not a hub's data dir (no credentials.json). Pass --data the dir the hub serves (it says so when it starts), or run hub init --data ${data} to set one up.\n`);
      assert.equal(res.stdout, "", "no link, no token");
      assert.equal(readdirSync(dir).includes(`typo-${args.length}`), false, "nothing made");
    }
  });

  it("exits 2 with the usage for an unknown command or a bad flag value", async () => {
    const unknown = await cli("nonsense");
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /Unknown command "nonsense"/);
    assert.match(unknown.stderr, /Usage:/);
    const badPort = await cli("hub", "--data", join(dir, "bad"), "--port", "abc");
    assert.equal(badPort.code, 2);
    assert.match(badPort.stderr, /--port must be 0-65535, got "abc"/);
    const badWriter = await cli("hub", "--data", join(dir, "bad"), "--writer", "fast");
    assert.equal(badWriter.code, 2);
    assert.match(badWriter.stderr, /--writer must be thread or local, got "fast"/);
  });

  it("--help (or -h) after any command prints that command's usage on stdout and exits 0, starting nothing", async () => {
    const data = join(dir, "help");
    for (const [args, usage] of [
      [["start", "--help"], /^ {2}openclaw-groupchat start .*--no-bridge/m],
      [["hub", "--data", data, "-h"], /^ {2}openclaw-groupchat hub \[--data DIR\]/m],
      [["hub", "login", "--help"], /^ {2}openclaw-groupchat hub login /m],
      [["hub", "user", "add", "Bob", "--help"], /^ {2}openclaw-groupchat hub user add NAME/m],
      [["bridge", "--help"], /^ {2}openclaw-groupchat bridge .*\n.*\n.*GROUPCHAT_AGENT_TOKEN/m],
      [["doctor", "-h"], /^ {2}openclaw-groupchat doctor /m],
    ] as const) {
      const res = await cli(...args);
      assert.deepEqual([res.code, res.stderr], [0, ""], args.join(" "));
      assert.match(res.stdout, /^Usage:\n/);
      assert.match(res.stdout, usage, args.join(" "));
      assert.equal(res.stdout.match(/openclaw-groupchat /g)!.length, 1, `${args.join(" ")}: its own usage only`);
    }
    assert.equal(readdirSync(dir).includes("help"), false, "no data dir made");
    const all = await cli("--help");
    assert.equal(all.code, 0);
    assert.equal(all.stdout.match(/^ {2}openclaw-groupchat /gm)!.length, 8, "every command");
  });

  it("start takes --stale-after as hub does (a bad one exits 2 with start's usage, before anything starts)", async () => {
    const res = await cli("start", "--data", join(dir, "stale"), "--port", "0", "--stale-after", "soon");
    assert.equal(res.code, 2, res.stdout);
    assert.match(res.stderr, /^--stale-after .*"soon"/);
    assert.match(res.stderr, /^ {2}openclaw-groupchat start /m);
    assert.equal(res.stdout, "");
  });

  it("hub user add refuses a blank NAME, or one over 200 characters (as an invite's join does), with exit 2 and the usage: no stack trace, no one added", async () => {
    const data = join(dir, "names");
    assert.equal((await cli("hub", "init", "--data", data)).code, 0);
    for (const [name, said] of [["   ", /NAME must not be blank/], ["n".repeat(201), /NAME must be at most 200 characters, got 201/]] as const) {
      const res = await cli("hub", "user", "add", name, "--data", data, "--json");
      assert.equal(res.code, 2, res.stderr);
      assert.match(res.stderr, said);
      assert.match(res.stderr, /Usage:/);
      assert.doesNotMatch(res.stderr, /\n\s+at /, "no stack trace");
      assert.equal(res.stdout, "");
    }
    assert.equal((await cli("hub", "user", "add", "😀".repeat(200), "--data", data, "--json")).code, 0, "200 characters, however many UTF-16 units");
  });
});
