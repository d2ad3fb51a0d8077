/**
 * The agent side of bench/bridge, in its own process so its RSS is its own:
 * either the bridge (`bridge`: SQLite state and outbox, metrics, the whole
 * coordinator) or, as the baseline, the SDK's bare RunWorker (`worker`). Both
 * run a trivial executor that holds every run until told to let go, so all of
 * them are in flight at once. Talks to bench/bridge.ts over stdio lines.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { Bridge } from "../src/bridge/bridge.ts";
import { resolveBridgeConfig } from "../src/bridge/config.ts";
import { createLog } from "../src/bridge/log.ts";
import { AgentApiClient, RunSource, RunWorker, type Executor, type WorkerEvent } from "../src/sdk/index.ts";

const [phase, countText] = process.argv.slice(2);
const expected = Number(countText);
const token = process.env.BENCH_TOKEN ?? "";
const apiUrl = process.env.BENCH_API_URL ?? "";
const convexUrl = process.env.BENCH_CONVEX_URL ?? "";
const now = () => performance.timeOrigin + performance.now();

let release: () => void = () => {};
const gate = new Promise<void>((resolve) => (release = resolve));
const executor: Executor = async () => {
  await gate;
  return { summary: "ok", stepCostUsd: 0 };
};

const claimedAt: Record<string, number> = {};
let ended = 0;
let allEnded: () => void = () => {};
const done = new Promise<void>((resolve) => (allEnded = resolve));
const onEvent = (event: WorkerEvent) => {
  if (event.type === "claimed") {
    claimedAt[event.runId] = now();
    if (Object.keys(claimedAt).length === expected) console.log(`ALLCLAIMED ${process.memoryUsage().rss}`);
  }
  if (event.type === "finished" || event.type === "failed") if (++ended === expected) allEnded();
};

const dir = mkdtempSync(join(tmpdir(), "gc-bench-bridge-"));
let stop: () => Promise<void>;
if (phase === "worker") {
  const client = new AgentApiClient({ token, apiUrl });
  const source = new RunSource({ client, token, convexUrl });
  const worker = new RunWorker({ client, source, executor, concurrency: expected, onEvent });
  worker.start();
  stop = () => worker.stop({ graceMs: 0 });
} else {
  const config = resolveBridgeConfig({ token, "api-url": apiUrl, "convex-url": convexUrl, state: join(dir, "bridge.sqlite"), concurrency: String(expected), metrics: "off" }, { env: {}, cwd: dir });
  const bridge = await Bridge.start(config, { log: createLog({ level: "silent", format: "json" }), executor });
  bridge.onEvent(onEvent);
  stop = () => bridge.stop({ graceMs: 0 });
}
// Let the subscription connect and the first poll settle before the idle figure.
await new Promise((resolve) => setTimeout(resolve, 1_000));
console.log(`READY ${process.memoryUsage().rss}`);

for await (const line of createInterface({ input: process.stdin })) {
  if (line === "release") {
    release();
    await done;
    console.log(`DONE ${JSON.stringify(claimedAt)}`);
    await stop();
    rmSync(dir, { recursive: true, force: true });
    process.exit(0);
  }
}
