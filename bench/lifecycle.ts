/**
 * bench/lifecycle: full run lifecycles per second (delegate, start, two comments,
 * complete) against a listening hub on SQLite, beside the same framework's bare
 * route measured in the same run. Goal: ≥ 2,000 lifecycles/s and ≥ 50 % of the
 * bare route's requests/s.
 *
 *   npm run bench:lifecycle [-- --seconds 10 --rounds 5 --concurrency 64] [--writer thread|local]
 *                            [--compare DIR [--compare-writer thread|local]]
 *
 * `--compare DIR` also runs the hub of another checkout (DIR, e.g. a `git
 * worktree` of main with node_modules linked; `.` for this one) in the same
 * alternating slices, so a change's effect shows apart from this machine's drift.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { Pool } from "undici";
import { cpuSeconds, fmt, spawnChild } from "./support.ts";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "10" },
    concurrency: { type: "string", default: "64" },
    rounds: { type: "string", default: "5" },
    writer: { type: "string", default: "thread" },
    compare: { type: "string" },
    "compare-writer": { type: "string" },
  },
});
const seconds = Number(values.seconds);
const concurrency = Number(values.concurrency);
const rounds = Number(values.rounds);

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

// Both servers run side by side and are measured in alternating slices, so drift in
// the shared machine's speed hits the baseline and the hub alike.
const bare = await spawnChild(["--import", "tsx", "bench/bare-server.ts"], /LISTENING (\d+)/);
const barePool = new Pool(`http://127.0.0.1:${bare.match[1]}`, { connections: concurrency });
const bareGet = () => call(barePool, "GET", "/bare", "x").then(() => undefined);
// For reference only: the same route as a POST with a JSON body like the hub's, so the load
// generator pays for the same kind of request (the goal is judged against the GET).
const barePost = () => call(barePool, "POST", "/bare", "x", { body: "Working on a fix now." }).then(() => undefined);

// The hub: each loop owns a task and cycles it through full lifecycles.
async function startHub(checkout: string, writer: string) {
  const dataDir = mkdtempSync(join(tmpdir(), "gc-bench-"));
  const child = await spawnChild(
    [...(process.env.HUB_NODE_ARGS ? process.env.HUB_NODE_ARGS.split(" ") : []), join(checkout, "bin/openclaw-groupchat.mjs"), "hub", "--data", dataDir, "--port", "0", "--log-level", "error", "--writer", writer],
    /GROUPCHAT_API_URL=http:\/\/127\.0\.0\.1:(\d+)/,
  );
  const creds = JSON.parse(readFileSync(join(dataDir, "credentials.json"), "utf8"));
  const pool = new Pool(`http://127.0.0.1:${child.match[1]}`, { connections: concurrency });
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
  return {
    pid: child.process.pid!,
    lifecycle,
    async stop() {
      await pool.close();
      await child.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
const hub = await startHub(".", values.writer);
const otherWriter = values["compare-writer"] ?? values.writer;
const other = values.compare ? await startHub(values.compare, otherWriter) : null;

interface Tally { count: number; ms: number; cpu: number; clientCpu: number }
const tally = (): Tally => ({ count: 0, ms: 0, cpu: 0, clientCpu: 0 });
async function slice(into: Tally, worker: (i: number) => Promise<void>, pid: number, ms: number): Promise<void> {
  const cpu = cpuSeconds(pid);
  const clientCpu = process.cpuUsage();
  const run = await drive(worker, ms);
  into.cpu += cpuSeconds(pid) - cpu;
  const used = process.cpuUsage(clientCpu);
  into.clientCpu += (used.user + used.system) / 1e6;
  into.count += run.count;
  into.ms += run.ms;
}
await drive(bareGet, 1000); // warm-up
await drive(hub.lifecycle, 2000);
if (other) await drive(other.lifecycle, 2000);
const bareT = tally();
const postT = tally();
const hubT = tally();
const otherT = tally();
const sliceMs = Math.max(500, (seconds * 1000) / rounds);
for (let r = 0; r < rounds; r++) {
  await slice(bareT, bareGet, bare.process.pid!, sliceMs);
  await slice(hubT, hub.lifecycle, hub.pid, sliceMs);
  if (other) await slice(otherT, other.lifecycle, other.pid, sliceMs);
  await slice(postT, barePost, bare.process.pid!, sliceMs / 2);
}
await barePool.close();
await Promise.all([bare.stop(), hub.stop(), other?.stop()]);

const bareRps = bareT.count / (bareT.ms / 1000);
const postRps = postT.count / (postT.ms / 1000);
const lifecyclesPerSec = hubT.count / (hubT.ms / 1000);
const hubRps = lifecyclesPerSec * 5;
// Per CPU-second of the server process: what one dedicated core would serve, whatever else runs.
const bareRpsPerCpu = bareT.count / bareT.cpu;
const lifecyclesPerCpu = hubT.count / hubT.cpu;
console.log(`bench/lifecycle  (${seconds}s each in ${rounds} alternating slices, ${concurrency} concurrent loops, writer ${values.writer}, Node ${process.version}, load ${loadavg()[0]!.toFixed(1)})`);
console.log(`  bare Fastify route:  ${fmt(bareRps)} req/s          (${fmt(bareRpsPerCpu)} req per server CPU-second)`);
console.log(`  hub lifecycles:      ${fmt(lifecyclesPerSec)} lifecycles/s = ${fmt(hubRps)} req/s  (${fmt(lifecyclesPerCpu)} lifecycles = ${fmt(lifecyclesPerCpu * 5)} req per hub CPU-second)`);
// Where the two cores went: a server can only be as fast as the CPU the load generator leaves it.
const cores = (t: Tally, requests: number) =>
  `server ${fmt(t.cpu / (t.ms / 1000), 2)} cores, ${fmt((t.cpu * 1e6) / requests, 1)} µs/req; client ${fmt(t.clientCpu / (t.ms / 1000), 2)} cores, ${fmt((t.clientCpu * 1e6) / requests, 1)} µs/req`;
console.log(`  CPU, bare:           ${cores(bareT, bareT.count)}`);
console.log(`  CPU, hub:            ${cores(hubT, hubT.count * 5)}`);
console.log(`  ratio, wall clock:   ${fmt((100 * hubRps) / bareRps, 1)} % of the bare route's req/s  (goal ≥ 50 %)`);
console.log(`  (reference) bare POST with a JSON body: ${fmt(postRps)} req/s; the hub makes ${fmt((100 * hubRps) / postRps, 1)} % of that`);
console.log(`  ratio, per CPU:      ${fmt((100 * lifecyclesPerCpu * 5) / bareRpsPerCpu, 1)} % of the bare route's req per CPU-second`);
if (other) {
  const otherPerSec = otherT.count / (otherT.ms / 1000);
  console.log(`  hub of ${values.compare} (writer ${otherWriter}): ${fmt(otherPerSec)} lifecycles/s, ${fmt((otherT.cpu * 1e6) / (otherT.count * 5), 1)} µs of hub CPU per request`);
  console.log(`  this checkout vs that: ${fmt(lifecyclesPerSec / otherPerSec, 3)}× the lifecycles/s, ${fmt((hubT.cpu / hubT.count) / (otherT.cpu / otherT.count), 3)}× the CPU per lifecycle`);
}
console.log(`  goal ≥ 2,000 lifecycles/s: ${lifecyclesPerSec >= 2000 ? "met" : "NOT met"} (wall clock), ${lifecyclesPerCpu >= 2000 ? "met" : "NOT met"} (per hub CPU-second)`);
