/**
 * bench/relay: how soon an agent subscribed on one hub learns of a run delegated
 * through another hub on the same PostgreSQL database (the change relay:
 * pg_notify with the COMMIT, LISTEN on the other hub). Two hubs share a fresh
 * schema; the owner delegates through hub A at a steady rate (open loop); one
 * stock convex client subscribes to `pendingRuns` on hub A (the baseline: the
 * same hub, no relay) and another on hub B, which starts each run it sees
 * through hub B (as an agent would, so the pending list stays short). Latency =
 * from the delegate call returning to each client's onUpdate with that run.
 *
 *   npm run bench:relay [-- --seconds 10 --rate 50]
 *
 * The hubs run in their own processes (the real CLI); this process is the owner
 * and both clients, so every timestamp comes from one clock.
 */
import { parseArgs } from "node:util";
import { ConvexClient } from "convex/browser";
import { anyApi } from "convex/server";
import { BENCH_POSTGRES_URL, dropBenchSchema, fmt } from "./support.ts";
import { inBatches, startBenchHub } from "./realtime/hub.ts";
import { ms, row, sleepUntil, summarize } from "./realtime/stats.ts";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "10" },
    rate: { type: "string", default: "50" },
    warmup: { type: "string", default: "2" },
  },
});
const seconds = Number(values.seconds);
const rate = Number(values.rate);
const warmup = Number(values.warmup);
const schema = `gc_bench_${process.pid}_relay`;
const database = `${BENCH_POSTGRES_URL}?schema=${schema}`;

const first = await startBenchHub(16, { database });
const second = await startBenchHub(16, { database, credentialsFrom: first.credentialsFile });
const { creds } = first;
const tasks = await inBatches(Array.from({ length: rate * (seconds + warmup) }, (_, i) => i), 8,
  async (i) => (await first.owner("POST", "/tasks", { projectId: creds.projectId, title: `Relayed ${i}` })).id as string);

const returnedAt = new Map<string, number>();
const seen = { same: new Map<string, number>(), other: new Map<string, number>() };
const measured: string[] = [];

const starts: Promise<unknown>[] = [];
const subscribe = (baseUrl: string, into: Map<string, number>, onNew: (runId: string) => void = () => undefined) => {
  const client = new ConvexClient(baseUrl, { logger: false });
  return new Promise<ConvexClient>((ready) => {
    client.onUpdate(anyApi.agentWebSocket!.pendingRuns!, { token: creds.agentToken }, (runs: { id: string }[]) => {
      const now = performance.now();
      for (const run of runs) {
        if (into.has(run.id)) continue;
        into.set(run.id, now);
        onNew(run.id);
      }
      ready(client);
    }, (error) => console.error("onError:", error.message));
  });
};
const clients = [
  await subscribe(first.baseUrl, seen.same),
  await subscribe(second.baseUrl, seen.other, (runId) => starts.push(second.agent(creds.agentToken, "POST", `/runs/${runId}/start`, {}).catch(() => undefined))),
];

const t0 = performance.now() + 50;
const calls: Promise<void>[] = [];
for (let i = 0; i < tasks.length; i++) {
  await sleepUntil(t0 + (i * 1000) / rate);
  calls.push(first.owner("POST", `/tasks/${tasks[i]}/delegate`, { agentId: creds.agentId }).then((run: { id: string }) => {
    returnedAt.set(run.id, performance.now());
    if (i >= rate * warmup) measured.push(run.id);
  }));
}
await Promise.all(calls);
const deadline = performance.now() + 3000;
while (!measured.every((id) => seen.same.has(id) && seen.other.has(id)) && performance.now() < deadline) await sleepUntil(performance.now() + 20);
await Promise.all(starts);
await Promise.all(clients.map((c) => c.close()));
await Promise.all([first.stop(), second.stop()]);
await dropBenchSchema(schema);

const delay = (from: Map<string, number>) => summarize(measured.filter((id) => from.has(id)).map((id) => Math.max(0, from.get(id)! - returnedAt.get(id)!)));
const same = delay(seen.same);
const other = delay(seen.other);
const missed = (on: Map<string, number>) => measured.filter((id) => !on.has(id)).length;
console.log(`bench/relay  (${seconds}s after ${warmup}s warm-up; ${rate} delegations/s through hub A; two hubs on one PostgreSQL schema; Node ${process.version})`);
console.log(row("subscribed on hub A (same hub)", same));
console.log(row("subscribed on hub B (relayed)", other));
console.log(`  the relay adds ${ms(other.p50 - same.p50)} at the median (${fmt(other.p50 / Math.max(same.p50, 0.001), 2)}× the same hub's), ${ms(other.p99 - same.p99)} at p99`);
// On hub A a run can come and go between two re-runs of the list (hub B's agent started it): not a lost update.
console.log(`  runs never in the list: hub A ${missed(seen.same)} (started through hub B before A's list re-ran), hub B ${missed(seen.other)}`);
