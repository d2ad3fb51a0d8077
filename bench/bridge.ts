/**
 * bench/bridge: 1,000 runs in flight in one bridge with a trivial executor.
 * Measures the bridge process's RSS with all of them in flight, and the
 * delegate → RUNNING latency (from just before the owner's delegate call to the
 * moment the bridge's `start` came back, i.e. the run is RUNNING), each beside
 * a baseline from the same run: the idle bridge's RSS, and the SDK's bare
 * RunWorker (in-memory outbox, no state file) for the latency.
 * Goals: RSS ≤ 200 MB; p50 ≤ 5 ms, p99 ≤ 20 ms.
 *
 *   npm run bench:bridge [-- --runs 1000 --rate 200]
 *
 * The hub (the real CLI) and each agent run in their own processes; this
 * process delegates at a steady rate (open loop). Timestamps are
 * `performance.timeOrigin + performance.now()`, comparable across processes.
 */
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { fmt, percentile } from "./support.ts";
import { inBatches, startBenchHub, type BenchHub } from "./realtime/hub.ts";
import { sleepUntil } from "./realtime/stats.ts";

const { values } = parseArgs({ options: { runs: { type: "string", default: "1000" }, rate: { type: "string", default: "200" } } });
const totalRuns = Number(values.runs);
const rate = Number(values.rate);
const now = () => performance.timeOrigin + performance.now();

interface PhaseResult {
  idleRss: number;
  peakRss: number;
  latenciesMs: number[];
}

async function phase(hub: BenchHub, kind: "worker" | "bridge", runs: number): Promise<PhaseResult> {
  const taskIds = await inBatches(Array.from({ length: runs }, (_, i) => i), 16, async (i) =>
    (await hub.owner("POST", "/tasks", { projectId: hub.creds.projectId, title: `${kind} ${i}` })).id as string);
  const child = spawn(process.execPath, ["--import", "tsx", "bench/bridge-agent.ts", kind, String(runs)], {
    stdio: ["pipe", "pipe", "inherit"],
    env: { ...process.env, BENCH_TOKEN: hub.creds.agentToken, BENCH_API_URL: `${hub.baseUrl}/api/v1/agent`, BENCH_CONVEX_URL: hub.baseUrl },
  });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const next = async (prefix: string): Promise<string> => {
    for (;;) {
      const { value, done } = await lines.next();
      if (done) throw new Error(`${kind} agent exited before ${prefix}`);
      if (value.startsWith(prefix)) return value.slice(prefix.length + 1);
    }
  };
  const idleRss = Number(await next("READY"));
  const delegatedAt = new Map<string, number>();
  const t0 = performance.now();
  const delegations = taskIds.map(async (taskId, i) => {
    await sleepUntil(t0 + (i * 1000) / rate);
    const at = now();
    const run = await hub.owner("POST", `/tasks/${taskId}/delegate`, { agentId: hub.creds.agentId });
    delegatedAt.set(run.id, at);
  });
  await Promise.all(delegations);
  const peakRss = Number(await next("ALLCLAIMED"));
  child.stdin!.write("release\n");
  const claimedAt = JSON.parse(await next("DONE")) as Record<string, number>;
  await new Promise((resolve) => child.once("exit", resolve));
  const latenciesMs = [...delegatedAt].map(([id, at]) => claimedAt[id]! - at).sort((a, b) => a - b);
  return { idleRss, peakRss, latenciesMs };
}

const hub = await startBenchHub();
try {
  // A warm-up round first: the hub's first runs are slow (JIT, SQLite caches), and that must not land on either side.
  await phase(hub, "worker", Math.min(totalRuns, 300));
  const worker = await phase(hub, "worker", totalRuns);
  const bridge = await phase(hub, "bridge", totalRuns);
  const runs = totalRuns;
  const mb = (bytes: number) => `${fmt(bytes / 1024 / 1024, 1)} MB`;
  const p = (r: PhaseResult, q: number) => percentile(r.latenciesMs, q);
  console.log(`bench/bridge: ${runs} runs in flight at once, delegated at ${rate}/s (Node ${process.version}, ${process.platform})`);
  console.log(`| measure | bridge | baseline | ratio | goal |`);
  console.log(`|---|---|---|---|---|`);
  console.log(`| RSS, ${runs} runs in flight | ${mb(bridge.peakRss)} | ${mb(bridge.idleRss)} (idle bridge) | ${fmt(bridge.peakRss / bridge.idleRss, 2)}× | ≤ 200 MB |`);
  console.log(`| delegate → RUNNING p50 | ${fmt(p(bridge, 50), 2)} ms | ${fmt(p(worker, 50), 2)} ms (bare RunWorker) | ${fmt(p(bridge, 50) / p(worker, 50), 2)}× | ≤ 5 ms |`);
  console.log(`| delegate → RUNNING p99 | ${fmt(p(bridge, 99), 2)} ms | ${fmt(p(worker, 99), 2)} ms (bare RunWorker) | ${fmt(p(bridge, 99) / p(worker, 99), 2)}× | ≤ 20 ms |`);
  console.log(`| delegate → RUNNING max | ${fmt(p(bridge, 100), 2)} ms | ${fmt(p(worker, 100), 2)} ms | | |`);
  console.log(`(bare RunWorker RSS with ${runs} in flight: ${mb(worker.peakRss)}; idle ${mb(worker.idleRss)})`);
} finally {
  await hub.stop();
}
