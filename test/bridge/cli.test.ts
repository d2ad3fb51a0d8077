/**
 * The bridge as users run it (`node bin/openclaw-groupchat.mjs bridge …`, and `start`'s bridge, in a
 * child process), with a stand-in for OpenClaw's entry and a stand-in hub that notes what it is asked.
 */
import assert from "node:assert/strict";
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { closeSync, constants, existsSync, mkdirSync, openSync, readdirSync, writeFileSync, writeSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { it } from "node:test";
import { promisify } from "node:util";
import { runtimePaths } from "../../src/bridge/runtime.ts";
import { BIN, stop } from "../support/cli.ts";
import { startTestHub } from "../support/hub.ts";
import { tempDir } from "../support/temp.ts";
import { alive, standIn, untilCliRuns } from "./support/stand-in.ts";

const run = promisify(execFile);

/** A stand-in hub: answers 503 to everything, and notes what it was asked. */
async function standInHub(): Promise<{ server: Server; asked: string[]; apiUrl: string }> {
  const asked: string[] = [];
  const server = createServer((request, response) => {
    asked.push(`${request.method} ${request.url}`);
    response.writeHead(503).end();
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return { server, asked, apiUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/agent` };
}

/** Opens a FIFO for writing once a reader has it open (a non-blocking open fails with ENXIO until then). */
async function writerOnceRead(fifo: string, gaveUp: () => string | null): Promise<number> {
  for (;;) {
    try {
      return openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENXIO") throw error;
    }
    const why = gaveUp();
    if (why) throw new Error(why);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * A managed gateway's state dir whose identity file (gateway.json) is a FIFO: the bridge's start blocks reading it
 * until `signalMidStart` writes it, so a signal sent meanwhile surely comes mid-start (after the state file, before
 * the gateway), without racing a timer.
 */
async function heldGatewayState(stateDir: string): Promise<{ signalMidStart: (child: ChildProcess, output: () => string) => Promise<void> }> {
  mkdirSync(stateDir, { recursive: true });
  const identity = join(stateDir, "gateway.json");
  await run("mkfifo", [identity]);
  return {
    signalMidStart: async (child, output) => {
      const writer = await writerOnceRead(identity, () => (child.exitCode !== null ? `it exited (${child.exitCode}):\n${output()}` : null));
      child.kill("SIGTERM");
      writeSync(writer, JSON.stringify({ port: 9, token: "stand-in" }));
      closeSync(writer);
    },
  };
}

/** Collects a child's output, both streams. */
function collect(child: ChildProcess): () => string {
  let output = "";
  for (const stream of [child.stdout!, child.stderr!]) stream.on("data", (chunk: Buffer) => (output += chunk.toString()));
  return () => output;
}

it("a SIGTERM while the bridge starts (before it starts its managed gateway) stops it there: exit 0, no gateway started, no run asked for", { timeout: 60_000 }, async (context) => {
  const dir = tempDir("gc-bridge-cli-");
  const stateDir = join(dir, "openclaw");
  const openclaw = standIn(context);
  const held = await heldGatewayState(stateDir);
  const hub = await standInHub();
  context.after(() => void hub.server.close());
  const child = spawn(process.execPath, [
    BIN, "bridge", "--openclaw", "managed", "--openclaw-state", stateDir, "--openclaw-config", join(dir, "openclaw.json"),
    "--state", join(dir, "bridge.sqlite"), "--workdir", join(dir, "tasks"), "--metrics", "off", "--log-format", "json", "--no-status-line",
  ], {
    cwd: dir, stdio: ["ignore", "pipe", "pipe"],
    env: { PATH: process.env.PATH, HOME: dir, GROUPCHAT_AGENT_TOKEN: "gca_test", GROUPCHAT_API_URL: hub.apiUrl, ...openclaw.env },
  });
  context.after(() => stop(child));
  const output = collect(child);
  const exited = once(child, "exit");

  await held.signalMidStart(child, output);

  assert.deepEqual(await exited, [0, null], output());
  assert.doesNotMatch(output(), /started the OpenClaw gateway|bridge started/);
  assert.match(output(), /SIGTERM: stopped while starting/);
  assert.equal(openclaw.pidOf("gateway"), null, "the gateway never ran");
  assert.equal(existsSync(join(stateDir, "gateway.pid")), false);
  // Its one GET /me (the API URL and token checked before anything starts) is no run asked for.
  assert.deepEqual(hub.asked, ["GET /api/v1/agent/me"]);
});

it("start stopped by a SIGTERM while its bridge starts starts no gateway, closes its hub and exits 0", {
  timeout: 60_000, skip: !runtimePaths().installed && "OpenClaw is not installed under runtime/ (start runs no bridge then)",
}, async (context) => {
  const dir = tempDir("gc-start-cli-");
  const data = join(dir, "hub");
  // Where `start` keeps its bridge's managed gateway for a data dir named "hub".
  const openclaw = standIn(context);
  const held = await heldGatewayState(join(dir, "bridge", "openclaw"));
  const child = spawn(process.execPath, [BIN, "start", "--data", data, "--port", "0", "--openclaw-config", join(dir, "openclaw.json")], {
    cwd: dir, stdio: ["ignore", "pipe", "pipe"],
    env: { PATH: process.env.PATH, HOME: dir, GROUPCHAT_BRIDGE_METRICS: "off", GROUPCHAT_LOG_FORMAT: "json", ...openclaw.env },
  });
  context.after(() => stop(child));
  const output = collect(child);
  const exited = once(child, "exit");

  await held.signalMidStart(child, output);

  assert.deepEqual(await exited, [0, null], output());
  assert.match(output(), /GroupChat hub: /);
  assert.doesNotMatch(output(), /started the OpenClaw gateway|OpenClaw bridge:/);
  assert.equal(openclaw.pidOf("gateway"), null, "the gateway never ran");
  // The hub closed in order: its WAL folded back into the database.
  assert.deepEqual(readdirSync(data).filter((f) => f.startsWith("hub.sqlite")), ["hub.sqlite"]);
});

it("start stopped by a SIGTERM while OpenClaw's CLI reads its config ends that CLI and the gateway, says nothing of the model, and exits 0", {
  timeout: 60_000, skip: !runtimePaths().installed && "OpenClaw is not installed under runtime/ (start runs no bridge then)",
}, async (context) => {
  const dir = tempDir("gc-start-cli-");
  const config = join(dir, "openclaw.json");
  writeFileSync(config, "{}");
  const openclaw = standIn(context);
  const child = spawn(process.execPath, [BIN, "start", "--data", join(dir, "hub"), "--port", "0", "--openclaw-config", config], {
    cwd: dir, stdio: ["ignore", "pipe", "pipe"],
    env: { PATH: process.env.PATH, HOME: dir, GROUPCHAT_BRIDGE_METRICS: "off", GROUPCHAT_LOG_FORMAT: "json", ...openclaw.env },
  });
  context.after(() => stop(child));
  const output = collect(child);
  const exited = once(child, "exit");

  await untilCliRuns(openclaw, child, output);
  child.kill("SIGTERM");

  assert.deepEqual(await exited, [0, null], output());
  assert.match(output(), /OpenClaw bridge: /);
  assert.doesNotMatch(output(), /OpenClaw model|no model to use yet|Delegate a task/);
  assert.equal(alive(openclaw.pidOf("cli")), false, "the CLI was ended");
  assert.equal(alive(openclaw.pidOf("gateway")), false, "the gateway was stopped");
});

/** `bridge` in connect mode (nothing to spawn) with these agent settings, to its exit; a bridge that starts is stopped. */
async function bridgeExit(env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  const dir = tempDir("gc-bridge-url-");
  const child = spawn(process.execPath, [
    BIN, "bridge", "--openclaw", "connect", "--gateway-url", "ws://127.0.0.1:9", "--state", join(dir, "bridge.sqlite"),
    "--workdir", join(dir, "tasks"), "--metrics", "off", "--log-format", "json", "--no-status-line",
  ], { cwd: dir, stdio: ["ignore", "pipe", "pipe"], env: { PATH: process.env.PATH, HOME: dir, ...env } });
  const output = collect(child);
  const exited = once(child, "exit");
  // A bridge that got past its check says so; it is then stopped (SIGTERM: exit 0).
  let looking: NodeJS.Timeout | undefined;
  const started = new Promise<void>((resolve) => {
    const look = () => (/bridge started/.test(output()) ? resolve() : void (looking = setTimeout(look, 20)));
    look();
  });
  await Promise.race([exited, started]);
  clearTimeout(looking);
  await stop(child);
  const [code] = await exited;
  return { code: code as number | null, output: output() };
}

it("bridge stops at once (exit 1, one line, no token) on an API URL or token that cannot work; one whose API is down starts and says so", { timeout: 120_000 }, async (context) => {
  const test = await startTestHub();
  context.after(() => test.close());
  const token = test.creds.agentToken;
  const origin = test.baseUrl;
  const refused = (url: string, agentToken = token) => bridgeExit({ GROUPCHAT_AGENT_TOKEN: agentToken, GROUPCHAT_API_URL: url });
  const cases: Array<[string, string, string]> = [
    [token, `${origin}/api/v1`, `GROUPCHAT_API_URL (${origin}/api/v1) is not the Agent API: An agent token (gca_) is for the agent API at /api/v1/agent; this route takes an owner token (gcp_). Use ${origin}/api/v1/agent.`],
    [token, origin, `GROUPCHAT_API_URL (${origin}) is not GroupChat's Agent API: GET /me answered HTTP 404: No route for GET /me. It is the URL ending in /api/v1/agent, e.g. ${origin}/api/v1/agent.`],
    [token, `${origin.replace("http:", "https:")}/api/v1/agent`, `GROUPCHAT_API_URL (${origin.replace("http:", "https:")}/api/v1/agent) says https://, but ${new URL(origin).host} speaks plain HTTP: use ${origin}/api/v1/agent.`],
    ["gca_not-this-one", `${origin}/api/v1/agent`, "GroupChat refused the agent token (HTTP 401: Invalid agent token): copy the agent's current gca_ token into GROUPCHAT_AGENT_TOKEN (GroupChat → Profile → Agents; for a local hub, agentToken in its data dir's credentials.json)."],
  ];
  for (const [agentToken, url, line] of cases) {
    const { code, output } = await refused(url, agentToken);
    assert.equal(code, 1, output);
    assert.equal(output, `${line}\n`);
  }
  // With the right URL and token it starts.
  assert.equal((await refused(`${origin}/api/v1/agent/`)).code, 0);

  // Nothing listens there (the hub not started yet): it says so in words and starts anyway, to keep trying.
  const closed = createServer();
  closed.listen(0, "127.0.0.1");
  await once(closed, "listening");
  const port = (closed.address() as AddressInfo).port;
  await new Promise((resolve) => closed.close(resolve));
  const down = await refused(`http://127.0.0.1:${port}/api/v1/agent`);
  assert.equal(down.code, 0, down.output);
  assert.match(down.output, new RegExp(`does not answer: GET /me got no answer: fetch failed \\(connect ECONNREFUSED 127\\.0\\.0\\.1:${port}\\)\\. Is GroupChat \\(the hub\\) running`));
  assert.match(down.output, /bridge started/);
  assert.doesNotMatch(down.output, new RegExp(token));
});

it("bridge refuses an API URL without http:// or https:// (exit 2), which every call would fail on", async () => {
  const { code, output } = await bridgeExit({ GROUPCHAT_AGENT_TOKEN: "gca_x", GROUPCHAT_API_URL: "localhost:3210/api/v1/agent" });
  assert.equal(code, 2);
  assert.match(output, /^GROUPCHAT_API_URL must start with http:\/\/ or https:\/\/, got "localhost:3210\/api\/v1\/agent"/);
});

it("bridge says in one line, exit 1, that its --state or --openclaw-state dir cannot be made (under /proc): it spun forever, deaf to SIGTERM", {
  timeout: 120_000, skip: !existsSync("/proc/self") && "no /proc here",
}, async (context) => {
  const test = await startTestHub();
  context.after(() => test.close());
  const dir = tempDir("gc-bridge-proc-");
  const env = { PATH: process.env.PATH, HOME: dir, GROUPCHAT_AGENT_TOKEN: test.creds.agentToken, GROUPCHAT_API_URL: `${test.baseUrl}/api/v1/agent` };
  const common = ["--workdir", join(dir, "tasks"), "--metrics", "off", "--log-format", "json", "--no-status-line"];
  for (const [flags, line] of [
    [["--openclaw", "connect", "--gateway-url", "ws://127.0.0.1:9", "--state", "/proc/groupchat-bridge/bridge.sqlite"],
      "Cannot create the state file's directory /proc/groupchat-bridge (ENOENT). Check that the directory above it exists and is writable by this user, or pass another --state."],
    [["--openclaw", "managed", "--openclaw-config", join(dir, "openclaw.json"), "--state", join(dir, "bridge.sqlite"), "--openclaw-state", "/proc/groupchat-openclaw"],
      "Cannot create the managed gateway's state dir /proc/groupchat-openclaw (ENOENT). Check that the directory above it exists and is writable by this user, or pass another --openclaw-state."],
  ] as const) {
    // SIGKILL past the timeout: the old bridge did not hear SIGTERM.
    const res = await run(process.execPath, [BIN, "bridge", ...flags, ...common], { cwd: dir, env, timeout: 60_000, killSignal: "SIGKILL" })
      .then(({ stdout, stderr }) => ({ code: 0, output: stdout + stderr }), (error: { code?: number; stdout?: string; stderr?: string }) => ({ code: error.code, output: `${error.stdout}${error.stderr}` }));
    assert.deepEqual(res, { code: 1, output: `${line}\n` });
  }
});

it("two starts on one machine (their own --data and ports) each serve their bridge's metrics and say where: the default port's, or any free one (the second only warned)", { timeout: 120_000 }, async (context) => {
  const dir = tempDir("gc-start-twice-");
  const started: Array<{ output: () => string }> = [];
  for (const name of ["one", "two"]) {
    const child = spawn(process.execPath, [BIN, "start", "--data", join(dir, name), "--port", "0"], {
      cwd: dir, stdio: ["ignore", "pipe", "pipe"],
      // A gateway that is not there: the bridge starts (it reconnects in connect mode), which is all this needs.
      env: { PATH: process.env.PATH, HOME: dir, OPENCLAW_GATEWAY_URL: "ws://127.0.0.1:9", GROUPCHAT_LOG_FORMAT: "json" },
    });
    context.after(() => stop(child));
    const output = collect(child);
    while (!/Delegate a task/.test(output())) {
      if (child.exitCode !== null) throw new Error(`start exited (${child.exitCode}):\n${output()}`);
      await once(child.stdout!, "data");
    }
    started.push({ output });
  }
  const urls = started.map(({ output }) => /^Bridge metrics: (http:\/\/127\.0\.0\.1:\d+\/metrics)$/m.exec(output())?.[1]);
  assert.ok(urls[0] && urls[1], started.map(({ output }) => output()).join("\n---\n"));
  assert.notEqual(urls[0], urls[1]);
  for (const [i, url] of urls.entries()) {
    const scraped = await fetch(url!);
    assert.equal(scraped.status, 200);
    assert.match(await scraped.text(), /^groupchat_bridge_runs_total/m);
    assert.doesNotMatch(started[i]!.output(), /metrics not served/);
  }
  // The second (at least) says why its port is not the default one.
  assert.match(started[1]!.output(), /"msg":"metrics at http:\/\/127\.0\.0\.1:\d+\/metrics: 127\.0\.0\.1:9477 is taken \(another bridge's\?\); --metrics \(GROUPCHAT_BRIDGE_METRICS\) chooses where"/);
});
