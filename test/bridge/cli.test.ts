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
  assert.deepEqual(hub.asked, []);
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
