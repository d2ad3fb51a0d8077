/**
 * bench/lifecycle: full run lifecycles per second (delegate, start, two comments,
 * complete) against a listening hub on SQLite, beside the same framework's bare
 * route measured in the same run. Goal: ≥ 2,000 lifecycles/s and ≥ 50 % of the
 * bare route's requests/s.
 *
 *   npm run bench:lifecycle [-- --seconds 10 --concurrency 64]
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { Pool } from "undici";
import { cpuSeconds, fmt, spawnChild } from "./support.ts";

const { values } = parseArgs({
  options: { seconds: { type: "string", default: "10" }, concurrency: { type: "string", default: "64" } },
});
const seconds = Number(values.seconds);
const concurrency = Number(values.concurrency);

async function call(pool: Pool, method: "GET" | "POST", path: string, auth: string, body?: unknown) {
  const response = await pool.request({
    method, path,
    headers: body === undefined ? { authorization: auth } : { authorization: auth, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.body.text();
  if (response.statusCode >= 300) throw new Error(`${method} ${path}: ${response.statusCode} ${text}`);
  return text ? JSON.parse(text) : null;
}

/** Runs `worker` on `concurrency` loops until the deadline; returns how many iterations completed. */
async function drive(worker: (i: number) => Promise<void>, durationMs: number): Promise<{ count: number; ms: number }> {
  const start = performance.now();
  const deadline = start + durationMs;
  let count = 0;
  await Promise.all(Array.from({ length: concurrency }, async (_, i) => {
    while (performance.now() < deadline) {
      await worker(i);
      count++;
    }
  }));
  return { count, ms: performance.now() - start };
}

// 1. Baseline: the bare route.
const bare = await spawnChild(["--import", "tsx", "bench/bare-server.ts"], /LISTENING (\d+)/);
const barePool = new Pool(`http://127.0.0.1:${bare.match[1]}`, { connections: concurrency });
await drive(() => call(barePool, "GET", "/bare", "x").then(() => undefined), 1000); // warm-up
let cpu = cpuSeconds(bare.process.pid!);
const bareRun = await drive(() => call(barePool, "GET", "/bare", "x").then(() => undefined), seconds * 1000);
const bareCpu = cpuSeconds(bare.process.pid!) - cpu;
await barePool.close();
await bare.stop();
const bareRps = bareRun.count / (bareRun.ms / 1000);

// 2. The hub: each loop owns a task and cycles it through full lifecycles.
const dataDir = mkdtempSync(join(tmpdir(), "gc-bench-"));
const hub = await spawnChild(
  [...(process.env.HUB_NODE_ARGS ? process.env.HUB_NODE_ARGS.split(" ") : []), "bin/openclaw-groupchat.mjs", "hub", "--data", dataDir, "--port", "0", "--log-level", "error"],
  /GROUPCHAT_API_URL=http:\/\/127\.0\.0\.1:(\d+)/,
);
const creds = JSON.parse(readFileSync(join(dataDir, "credentials.json"), "utf8"));
const pool = new Pool(`http://127.0.0.1:${hub.match[1]}`, { connections: concurrency });
const owner = `Bearer ${creds.ownerToken}`;
const agent = `Basic ${Buffer.from(`${creds.agentToken}:`).toString("base64")}`;
const tasks: string[] = [];
for (let i = 0; i < concurrency; i++) {
  tasks.push((await call(pool, "POST", "/api/v1/tasks", owner, { projectId: creds.projectId, title: `Bench task ${i}` })).id);
}
const lifecycle = async (i: number) => {
  const run = await call(pool, "POST", `/api/v1/tasks/${tasks[i]}/delegate`, owner, { agentId: creds.agentId });
  await call(pool, "POST", `/api/v1/agent/runs/${run.id}/start`, agent, { body: "Starting work on this now." });
  await call(pool, "POST", `/api/v1/agent/runs/${run.id}/comment`, agent, { body: "Found the issue." });
  await call(pool, "POST", `/api/v1/agent/runs/${run.id}/comment`, agent, { body: "Working on a fix now." });
  await call(pool, "POST", `/api/v1/agent/runs/${run.id}/complete`, agent, { body: "Done!", stepCostUsd: 0.01 });
};
await drive(lifecycle, 1000); // warm-up
cpu = cpuSeconds(hub.process.pid!);
const hubRun = await drive(lifecycle, seconds * 1000);
const hubCpu = cpuSeconds(hub.process.pid!) - cpu;
await pool.close();
await hub.stop();
rmSync(dataDir, { recursive: true, force: true });

const lifecyclesPerSec = hubRun.count / (hubRun.ms / 1000);
const hubRps = lifecyclesPerSec * 5;
// Per CPU-second of the server process: what one dedicated core would serve, whatever else runs.
const bareRpsPerCpu = bareRun.count / bareCpu;
const lifecyclesPerCpu = hubRun.count / hubCpu;
console.log(`bench/lifecycle  (${seconds}s each, ${concurrency} concurrent loops, Node ${process.version}, load ${loadavg()[0]!.toFixed(1)})`);
console.log(`  bare Fastify route:  ${fmt(bareRps)} req/s          (${fmt(bareRpsPerCpu)} req per server CPU-second)`);
console.log(`  hub lifecycles:      ${fmt(lifecyclesPerSec)} lifecycles/s = ${fmt(hubRps)} req/s  (${fmt(lifecyclesPerCpu)} lifecycles = ${fmt(lifecyclesPerCpu * 5)} req per hub CPU-second)`);
console.log(`  ratio, wall clock:   ${fmt((100 * hubRps) / bareRps, 1)} % of the bare route's req/s  (goal ≥ 50 %)`);
console.log(`  ratio, per CPU:      ${fmt((100 * lifecyclesPerCpu * 5) / bareRpsPerCpu, 1)} % of the bare route's req per CPU-second`);
console.log(`  goal ≥ 2,000 lifecycles/s: ${lifecyclesPerSec >= 2000 ? "met" : "NOT met"} (wall clock), ${lifecyclesPerCpu >= 2000 ? "met" : "NOT met"} (per hub CPU-second)`);
