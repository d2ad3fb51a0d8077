/**
 * The `bridge` command as users run it (`node bin/openclaw-groupchat.mjs bridge …` in a child
 * process), with a stand-in for OpenClaw's entry and a stand-in hub that notes what it is asked.
 */
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { once } from "node:events";
import { closeSync, constants, existsSync, mkdirSync, openSync, readFileSync, writeFileSync, writeSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { it } from "node:test";
import { promisify } from "node:util";
import { BIN, stop } from "../support/cli.ts";
import { tempDir } from "../support/temp.ts";

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

it("a SIGTERM while the bridge starts (before it starts its managed gateway) stops it there: exit 0, no gateway started, no run asked for", { timeout: 60_000 }, async (context) => {
  const dir = tempDir("gc-bridge-cli-");
  const stateDir = join(dir, "openclaw");
  mkdirSync(stateDir);
  const ran = join(dir, "gateway-ran");
  // Named like OpenClaw's entry; notes its pid, should it ever run.
  const entry = join(dir, "openclaw-stand-in.mjs");
  const script = `import { writeFileSync } from "node:fs";\nwriteFileSync(${JSON.stringify(ran)}, String(process.pid));\nsetInterval(() => {}, 1000);\n`;
  writeFileSync(entry, script);
  // The managed gateway's identity file a FIFO: the start blocks reading it until the test writes it, so the
  // signal surely comes mid-start (after the state file, before the gateway), without racing a timer.
  const identity = join(stateDir, "gateway.json");
  await run("mkfifo", [identity]);
  const hub = await standInHub();
  context.after(() => void hub.server.close());
  const child = spawn(process.execPath, [
    BIN, "bridge", "--openclaw", "managed", "--openclaw-state", stateDir, "--openclaw-config", join(dir, "openclaw.json"),
    "--state", join(dir, "bridge.sqlite"), "--workdir", join(dir, "tasks"), "--metrics", "off", "--log-format", "json", "--no-status-line",
  ], {
    cwd: dir, stdio: ["ignore", "pipe", "pipe"],
    env: { PATH: process.env.PATH, HOME: dir, GROUPCHAT_AGENT_TOKEN: "gca_test", GROUPCHAT_API_URL: hub.apiUrl, OPENCLAW_NODE: process.execPath, OPENCLAW_ENTRY: entry },
  });
  context.after(async () => {
    await stop(child);
    // Had the stand-in gateway run (the old start spawned it after the signal), it goes too.
    if (existsSync(ran)) try { process.kill(Number(readFileSync(ran, "utf8")), "SIGKILL"); } catch { /* gone */ }
  });
  let output = "";
  for (const stream of [child.stdout!, child.stderr!]) stream.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = once(child, "exit");

  const writer = await writerOnceRead(identity, () => (child.exitCode !== null ? `the bridge exited (${child.exitCode}):\n${output}` : null));
  child.kill("SIGTERM");
  writeSync(writer, JSON.stringify({ port: 9, token: "stand-in" }));
  closeSync(writer);

  assert.deepEqual(await exited, [0, null], output);
  assert.doesNotMatch(output, /started the OpenClaw gateway|bridge started/);
  assert.match(output, /SIGTERM: stopped while starting/);
  assert.equal(existsSync(ran), false, "the gateway never ran");
  assert.equal(existsSync(join(stateDir, "gateway.pid")), false);
  assert.deepEqual(hub.asked, []);
});
