/**
 * The hub's Prometheus metrics (`--metrics-port`): off unless asked for, served
 * apart from the API, counting what went over HTTP and what runs did, labelled by
 * route pattern and status only (never an id, a token or a person's words), and
 * gone with the hub. A real listening hub, on SQLite or (GROUPCHAT_TEST_DATABASE=postgres)
 * PostgreSQL, where the active-runs gauge is read from the database.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { anyApi } from "convex/server";
import { assertStatus, createTask, delegateTo, runIn } from "../support/api.ts";
import { cli, serve, spawnHub, stop } from "../support/cli.ts";
import { request, startTestHub, type TestHub } from "../support/hub.ts";
import { tempDir } from "../support/temp.ts";
import { RawSync, Recorder, stockClient } from "../realtime/support.ts";

type Labels = Record<string, string>;

/** The samples of a text exposition, as name, labels and value. */
function samples(text: string): { name: string; labels: Labels; value: number }[] {
  return text.split("\n").filter((line) => line && !line.startsWith("#")).map((line) => {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(match, `not a sample line: ${line}`);
    const labels: Labels = {};
    for (const [, key, value] of (match[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[key!] = value!;
    return { name: match[1]!, labels, value: Number(match[3]) };
  });
}

/** The value of the one sample with this name and (at least) these labels; 0 when there is none. */
function valueOf(text: string, name: string, labels: Labels = {}): number {
  const found = samples(text).filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  assert.ok(found.length <= 1, `${name} ${JSON.stringify(labels)} matches ${found.length} samples`);
  return found[0]?.value ?? 0;
}

async function scrape(t: TestHub): Promise<string> {
  const url = t.hub.urls().metricsUrl;
  assert.ok(url, "metrics are on");
  const res = await fetch(url);
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
  return res.text();
}

describe("the hub's metrics, off by default", () => {
  let t: TestHub;
  before(async () => (t = await startTestHub()));
  after(() => t.close());

  it("serve nothing: no metrics address, and /metrics is not on the API's port", async () => {
    assert.equal(t.hub.metrics, null);
    assert.equal(t.hub.urls().metricsUrl, null);
    assert.equal((await request(`${t.baseUrl}/metrics`, {})).status, 404);
  });
});

describe("the hub's metrics, with --metrics-port", () => {
  let t: TestHub;
  let now = Date.now();
  const secrets: string[] = [];
  before(async () => {
    t = await startTestHub({ metricsPort: "0", staleAfter: "1h", clock: () => now });
    // From here on only the test's own sweep ends stale runs.
    await t.hub.reaper.stop();
    secrets.push(t.creds.agentToken, t.creds.ownerToken, t.creds.agentId, t.creds.projectId, t.creds.workspaceId, t.creds.ownerId);
  });
  after(() => t.close());

  it("are served on their own port, /metrics and /healthz, in Prometheus' text format, with the process's own metrics", async () => {
    const url = new URL(t.hub.urls().metricsUrl!);
    assert.equal(url.hostname, "127.0.0.1");
    assert.notEqual(url.port, new URL(t.baseUrl).port);
    const text = await scrape(t);
    assert.ok(valueOf(text, "process_cpu_user_seconds_total") > 0);
    assert.ok(valueOf(text, "nodejs_heap_size_used_bytes") > 0);
    const health = await fetch(new URL("/healthz", url));
    assert.equal(health.status, 200);
    assert.equal((await fetch(new URL("/other", url))).status, 404);
  });

  it("count a run's lifecycle over HTTP: requests by route pattern and status code, transitions by status, active runs, commits", async () => {
    const before = await scrape(t);
    const title = "Rotate the vault key for Zanzibar";
    const task = await createTask(t, { title, description: "Private: the key is under the mat" });
    const run = await delegateTo(t, task.id, t.creds.agentId, t.creds.ownerToken, "Please do it quietly");
    secrets.push(title, "under the mat", "Please do it quietly", task.id, run.id);
    assertStatus(await t.agent(t.creds.agentToken, "POST", `/runs/${run.id}/start`, { body: "Starting on Zanzibar" }), 200);
    assertStatus(await t.agent(t.creds.agentToken, "POST", `/runs/${run.id}/comment`, { body: "Half way through Zanzibar" }), 201);
    assertStatus(await t.agent(t.creds.agentToken, "POST", `/runs/${run.id}/complete`, { body: "Zanzibar done", stepCostUsd: 0.25 }), 200);
    secrets.push("Starting on Zanzibar", "Half way through Zanzibar", "Zanzibar done");
    const pending = await runIn(t, "PENDING");
    const running = await runIn(t, "RUNNING");
    const stopped = await runIn(t, "STOPPED");
    secrets.push(pending.runId, running.runId, stopped.runId, pending.taskId, running.taskId, stopped.taskId);

    const after = await scrape(t);
    const moved = (to: string) => valueOf(after, "groupchat_hub_run_transitions_total", { to }) - valueOf(before, "groupchat_hub_run_transitions_total", { to });
    assert.deepEqual(
      { PENDING: moved("PENDING"), RUNNING: moved("RUNNING"), FINISHED: moved("FINISHED"), ERROR: moved("ERROR"), STOPPED: moved("STOPPED") },
      { PENDING: 4, RUNNING: 2, FINISHED: 1, ERROR: 0, STOPPED: 1 },
    );
    assert.equal(valueOf(after, "groupchat_hub_active_runs", { status: "PENDING" }), 1);
    assert.equal(valueOf(after, "groupchat_hub_active_runs", { status: "RUNNING" }), 1);

    const requests = (method: string, route: string, code: string) =>
      valueOf(after, "groupchat_hub_http_requests_total", { method, route, status_code: code })
      - valueOf(before, "groupchat_hub_http_requests_total", { method, route, status_code: code });
    assert.equal(requests("POST", "/api/v1/tasks/:id/delegate", "201"), 4);
    assert.equal(requests("POST", "/api/v1/agent/runs/:id/start", "200"), 2);
    assert.equal(requests("POST", "/api/v1/agent/runs/:id/comment", "201"), 1);
    assert.equal(requests("POST", "/api/v1/agent/runs/:id/complete", "200"), 1);
    assert.equal(requests("POST", "/api/v1/runs/:id/stop", "200"), 1);
    const durations = valueOf(after, "groupchat_hub_http_request_duration_seconds_count", { method: "POST", route: "/api/v1/agent/runs/:id/start" });
    assert.ok(durations >= 2);
    assert.equal(valueOf(after, "groupchat_hub_http_request_duration_seconds_bucket", { method: "POST", route: "/api/v1/agent/runs/:id/start", le: "+Inf" }), durations);
    // Group commit is SQLite's (writes on the HTTP thread); on PostgreSQL each write commits alone.
    if (t.kind === "sqlite") assert.ok(valueOf(after, "groupchat_hub_sqlite_commit_transactions_count") > valueOf(before, "groupchat_hub_sqlite_commit_transactions_count"));
  });

  it("count the runs the reaper ended as expirations, and as transitions to ERROR", async () => {
    const before = await scrape(t);
    const { runId, taskId } = await runIn(t, "RUNNING");
    secrets.push(runId, taskId);
    now += 2 * 3_600_000;
    assert.ok((await t.hub.reaper.sweep()) >= 1);
    const after = await scrape(t);
    assert.ok(valueOf(after, "groupchat_hub_reaper_expired_runs_total") - valueOf(before, "groupchat_hub_reaper_expired_runs_total") >= 1);
    const expired = valueOf(after, "groupchat_hub_reaper_expired_runs_total") - valueOf(before, "groupchat_hub_reaper_expired_runs_total");
    assert.equal(valueOf(after, "groupchat_hub_run_transitions_total", { to: "ERROR" }) - valueOf(before, "groupchat_hub_run_transitions_total", { to: "ERROR" }), expired);
    assert.equal(valueOf(after, "groupchat_hub_active_runs", { status: "RUNNING" }), 0);
  });

  it("label a 401 and a 404 with the route pattern (or unmatched), never the URL or the token sent", async () => {
    const { runId } = await runIn(t, "PENDING");
    secrets.push(runId);
    const wrongToken = "gca_notarealtokenbutlookslikeone1234";
    secrets.push(wrongToken, "no-such-page-k3y");
    assert.equal((await t.agent(wrongToken, "GET", `/runs/${runId}`)).status, 401);
    assert.equal((await request(`${t.baseUrl}/api/v1/no-such-page-k3y?token=${wrongToken}`, {})).status, 404);
    const text = await scrape(t);
    assert.equal(valueOf(text, "groupchat_hub_http_requests_total", { method: "GET", route: "/api/v1/agent/runs/:id", status_code: "401" }), 1);
    assert.ok(valueOf(text, "groupchat_hub_http_requests_total", { method: "GET", route: "unmatched", status_code: "404" }) >= 1);
  });

  it("show open real-time sockets and their queries", async () => {
    const client = stockClient(t.baseUrl);
    try {
      const sub = new Recorder(client, anyApi.agentWebSocket!.pendingRuns!, { token: t.creds.agentToken });
      await sub.until(() => true, "the first pendingRuns value");
      const text = await scrape(t);
      assert.equal(valueOf(text, "groupchat_hub_realtime_sockets"), 1);
      assert.equal(valueOf(text, "groupchat_hub_realtime_queries"), 1);
    } finally {
      await client.close();
    }
    for (let i = 0; i < 100 && valueOf(await scrape(t), "groupchat_hub_realtime_sockets") !== 0; i++) await sleep(20);
    assert.equal(valueOf(await scrape(t), "groupchat_hub_realtime_sockets"), 0);
  });

  it("count the real-time sockets turned away, by the bound they were past", async () => {
    const full = await startTestHub({ metricsPort: "0", syncMaxConnections: "1" });
    const open = await RawSync.open(full.baseUrl);
    try {
      const refused = (text: string, limit: string) => valueOf(text, "groupchat_hub_realtime_sockets_refused_total", { limit });
      const before = await scrape(full);
      assert.deepEqual(["sockets", "ip", "principal"].map((limit) => refused(before, limit)), [0, 0, 0]);
      for (let i = 0; i < 2; i++) assert.equal((await (await RawSync.open(full.baseUrl)).closed).code, 1013);
      const text = await scrape(full);
      assert.deepEqual(["sockets", "ip", "principal"].map((limit) => refused(text, limit)), [2, 0, 0]);
      assert.equal(valueOf(text, "groupchat_hub_realtime_sockets"), 1, "the served one alone is open");
    } finally {
      open.ws.terminate();
      await full.close();
    }
  });

  it("never show a token, an id, a title or anything a person or an agent wrote", async () => {
    const text = await scrape(t);
    assert.ok(secrets.length > 20);
    for (const secret of secrets) assert.ok(!text.includes(secret), `the metrics show "${secret}"`);
    assert.doesNotMatch(text, /authorization|bearer|gc[apl]_|\b(run|task|agt|usr|prj|ws)_[a-z0-9]/i);
    // Every label value is from a closed set: a method, a route pattern, a status code or status, a bucket bound.
    for (const { labels } of samples(text)) {
      for (const [key, value] of Object.entries(labels)) {
        if (key === "route") assert.match(value, /^(unmatched|\/[\w/:.-]*)$/);
        else assert.match(value, /^[\w.+: -]*$/, `${key}="${value}"`);
      }
    }
  });
});

describe("the hub's metrics server and the hub's end", () => {
  it("stops with the hub: its port is free again once the hub closed", async () => {
    const t = await startTestHub({ metricsPort: "0" });
    const url = t.hub.urls().metricsUrl!;
    assert.equal((await fetch(url)).status, 200);
    await t.close();
    await assert.rejects(fetch(url), /fetch failed/);
    await listenOn(Number(new URL(url).port));
  });
});

/** Listens on 127.0.0.1:port and lets go again: the port is free. */
async function listenOn(port: number): Promise<void> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once("error", reject).listen(port, "127.0.0.1", resolve));
  assert.equal((server.address() as AddressInfo).port, port);
  await new Promise((resolve) => server.close(resolve));
}

/** The TCP ports process `pid` listens on (Linux: its socket inodes, looked up in /proc/net/tcp*). */
function listeningPorts(pid: number): number[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const target = readlinkSync(join(`/proc/${pid}/fd`, fd));
      const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
      if (inode) inodes.add(inode);
    } catch {
      // closed meanwhile
    }
  }
  const ports: number[] = [];
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    for (const line of readFileSync(table, "utf8").split("\n").slice(1)) {
      const fields = line.trim().split(/\s+/);
      // local_address is HEX_IP:HEX_PORT; state 0A is LISTEN; inode is the tenth field.
      if (fields[3] === "0A" && inodes.has(fields[9]!)) ports.push(parseInt(fields[1]!.split(":")[1]!, 16));
    }
  }
  return ports.sort();
}

describe("hub --metrics-port (the command)", () => {
  it("without it, the hub listens on its API port alone and prints no metrics address", async () => {
    const child = spawnHub(tempDir("gc-metrics-"));
    try {
      const { apiUrl, output } = await serve(child);
      assert.doesNotMatch(output, /Prometheus|\/metrics/);
      assert.deepEqual(listeningPorts(child.pid!), [Number(new URL(apiUrl).port)]);
    } finally {
      assert.equal(await stop(child), 0);
    }
  });

  it("with it, serves /metrics on that address and stops serving it with the hub (SIGTERM, exit 0, the port free)", async () => {
    const child = spawnHub(tempDir("gc-metrics-"), "--metrics-port", "0", "--metrics-host", "127.0.0.1");
    let metricsUrl = "";
    try {
      const { apiUrl, output } = await serve(child);
      metricsUrl = /^Prometheus metrics: (\S+)$/m.exec(output)?.[1] ?? "";
      assert.match(metricsUrl, /^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
      assert.deepEqual(listeningPorts(child.pid!), [Number(new URL(apiUrl).port), Number(new URL(metricsUrl).port)].sort());
      assert.equal((await request(`${apiUrl}/me`, {})).status, 401);
      const text = await (await fetch(metricsUrl)).text();
      assert.equal(valueOf(text, "groupchat_hub_http_requests_total", { method: "GET", route: "/api/v1/agent/me", status_code: "401" }), 1);
    } finally {
      assert.equal(await stop(child), 0);
    }
    await listenOn(Number(new URL(metricsUrl).port));
  });

  it("refuses a --metrics-port that is not a port, or a --metrics-host without one, before it starts (exit 2, the flag named)", async () => {
    const data = tempDir("gc-metrics-");
    for (const [flags, message] of [
      [["--metrics-port", "metrics"], /--metrics-port must be 0-65535, got "metrics"/],
      [["--metrics-port", "70000"], /--metrics-port must be 0-65535, got "70000"/],
      [["--metrics-port", ""], /--metrics-port must be 0-65535, got ""/],
      [["--metrics-host", "127.0.0.1"], /--metrics-host needs --metrics-port/],
      [["--port", "4100", "--metrics-port", "4100"], /--metrics-port must differ from --port/],
    ] as const) {
      const res = await cli("hub", "--data", data, "--port", "0", ...flags);
      assert.equal(res.code, 2, res.stderr);
      assert.match(res.stderr, message);
      assert.doesNotMatch(res.stderr, /\n\s+at /, "no stack trace");
    }
    const env = await cliWithEnv({ GROUPCHAT_HUB_METRICS_PORT: "nine" }, "hub", "--data", data, "--port", "0");
    assert.equal(env.code, 2);
    assert.match(env.stderr, /--metrics-port must be 0-65535, got "nine"/);
  });

  it("says which metrics port is taken, in one line, and exits 1 without serving", async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    const port = (taken.address() as AddressInfo).port;
    try {
      const res = await cli("hub", "--data", tempDir("gc-metrics-"), "--port", "0", "--log-level", "silent", "--metrics-port", String(port));
      assert.equal(res.code, 1, res.stderr);
      assert.equal(res.stderr.trim(), `Port ${port} on 127.0.0.1 is already in use (another hub?). Stop that process, or pass --metrics-port with a free port (--metrics-port 0 picks one).`);
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });
});

/** `cli` with more environment. */
async function cliWithEnv(env: Record<string, string>, ...args: string[]): Promise<{ code: number; stderr: string }> {
  const saved = Object.fromEntries(Object.keys(env).map((key) => [key, process.env[key]]));
  Object.assign(process.env, env);
  try {
    return await cli(...args);
  } finally {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
}
