/**
 * bench/pickup: how soon an agent learns of a run delegated to it. The owner
 * delegates at a steady rate (open loop); the agent, subscribed to
 * `agentWebSocket.pendingRuns` with the stock convex client exactly as GroupChat
 * documents, starts every run it sees. Latency = from the delegate call
 * returning to the agent's onUpdate callback firing with that run. Baseline, in
 * the same run against the same hub: a second agent polling
 * `GET /runs?status=PENDING` every second (GroupChat's Option B).
 * Goal: p50 ≤ 2 ms, p99 ≤ 10 ms, and ≥ 100× better than polling at the median.
 *
 *   npm run bench:pickup [-- --seconds 10 --rate 200 --poll-rate 10]
 *
 * The hub runs in its own process (the real CLI); this process is the owner
 * and both agents, so the two timestamps of a latency come from one clock.
 */
import { parseArgs } from "node:util";
import { ConvexClient } from "convex/browser";
import { anyApi } from "convex/server";
import { fmt } from "./support.ts";
import { inBatches, startBenchHub, type Json } from "./realtime/hub.ts";
import { ms, row, sleepUntil, summarize } from "./realtime/stats.ts";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "10" },
    rate: { type: "string", default: "200" },
    "poll-rate": { type: "string", default: "10" },
    warmup: { type: "string", default: "2" },
  },
});
const seconds = Number(values.seconds);
const rate = Number(values.rate);
const pollRate = Number(values["poll-rate"]);
const warmup = Number(values.warmup);

const hub = await startBenchHub();
const { creds } = hub;
const poller: Json = await hub.owner("POST", "/agents", { name: "Poller" });
const newTasks = (n: number, prefix: string) =>
  inBatches(Array.from({ length: n }, (_, i) => i), 16, async (i) => (await hub.owner("POST", "/tasks", { projectId: creds.projectId, title: `${prefix} ${i}` })).id as string);
const wsTasks = await newTasks(rate * (seconds + warmup), "Pushed");
const pollTasks = await newTasks(pollRate * (seconds + warmup), "Polled");

/** runId → performance.now() at: the delegate call's send, its return, the agent seeing the run. */
const sentAt = new Map<string, number>();
const returnedAt = new Map<string, number>();
const seenAt = new Map<string, number>();
/** The measured runs (warm-up excluded) of each agent. */
const measured = { pushed: [] as string[], polled: [] as string[] };
const starts: Promise<unknown>[] = [];

/** What an agent does with a pending list: note each new run once and start it. */
function pickUp(token: string, runs: { id: string }[]): void {
  const now = performance.now();
  for (const run of runs) {
    if (seenAt.has(run.id)) continue;
    seenAt.set(run.id, now);
    starts.push(hub.agent(token, "POST", `/runs/${run.id}/start`, {}).catch(() => undefined));
  }
}

// The pushed agent: the seed's listener.
const client = new ConvexClient(hub.baseUrl, { logger: false });
await new Promise<void>((ready) => {
  client.onUpdate(anyApi.agentWebSocket!.pendingRuns!, { token: creds.agentToken }, (runs: { id: string }[]) => {
    pickUp(creds.agentToken, runs);
    ready();
  }, (error) => console.error("onError:", error.message));
});

// The polling agent: GET /runs?status=PENDING every second.
let polling = true;
const pollLoop = (async () => {
  while (polling) {
    const due = performance.now() + 1000;
    pickUp(poller.token, await hub.agent(poller.token, "GET", "/runs?status=PENDING&limit=200"));
    await sleepUntil(due);
  }
})();

/** Delegates each task to `agentId` at `perSecond`, open loop: a slow answer never delays the next call. */
async function delegateAt(tasks: string[], agentId: string, perSecond: number, into: string[], t0: number): Promise<void> {
  const calls: Promise<void>[] = [];
  for (let i = 0; i < tasks.length; i++) {
    await sleepUntil(t0 + (i * 1000) / perSecond);
    const sent = performance.now();
    calls.push(hub.owner("POST", `/tasks/${tasks[i]}/delegate`, { agentId }).then((run: { id: string }) => {
      returnedAt.set(run.id, performance.now());
      sentAt.set(run.id, sent);
      if (i >= perSecond * warmup) into.push(run.id);
    }));
  }
  await Promise.all(calls);
}

const t0 = performance.now() + 50;
await Promise.all([
  delegateAt(wsTasks, creds.agentId, rate, measured.pushed, t0),
  delegateAt(pollTasks, poller.id, pollRate, measured.polled, t0),
]);
// Bounded: wait for the last runs to be seen (a poll is at most a second away), then stop.
const deadline = performance.now() + 3000;
const everySeen = () => [...measured.pushed, ...measured.polled].every((id) => seenAt.has(id));
while (!everySeen() && performance.now() < deadline) await sleepUntil(performance.now() + 20);
polling = false;
await pollLoop;
await Promise.all(starts);
await client.close();
await hub.stop();

const missed = [...measured.pushed, ...measured.polled].filter((id) => !seenAt.has(id)).length;
const delay = (ids: string[], from: Map<string, number>) => ids.filter((id) => seenAt.has(id)).map((id) => seenAt.get(id)! - from.get(id)!);
const pushedSigned = delay(measured.pushed, returnedAt);
const pushed = summarize(pushedSigned.map((d) => Math.max(0, d)));
const pushedFromSend = summarize(delay(measured.pushed, sentAt));
const polled = summarize(delay(measured.polled, returnedAt).map((d) => Math.max(0, d)));
const early = pushedSigned.filter((d) => d <= 0).length / pushedSigned.length;
const ratio = (baseline: number, value: number) => (value > 0 ? `${fmt(baseline / value)}×` : "∞ (the push came first)");

console.log(`bench/pickup  (${seconds}s after ${warmup}s warm-up; ${rate} delegations/s to the pushed agent, ${pollRate}/s to the polling one; Node ${process.version})`);
console.log(row("stock client push, from return", pushed));
console.log(row("stock client push, from send", pushedFromSend));
console.log(row("baseline: GET poll every 1 s", polled));
console.log(`  pushes that reached the agent before the delegate call returned: ${fmt(100 * early, 1)} % (counted as 0 ms)`);
console.log(`  ratio at the median: polling / push = ${ratio(polled.p50, pushed.p50)} from return, ${ratio(polled.p50, pushedFromSend.p50)} counting the whole delegate call`);
console.log(`  runs never seen: ${missed}`);
const goals = [
  [`p50 ${ms(pushed.p50)} ≤ 2 ms`, pushed.p50 <= 2],
  [`p99 ${ms(pushed.p99)} ≤ 10 ms`, pushed.p99 <= 10],
  [`≥ 100× polling at the median`, polled.p50 >= 100 * pushed.p50],
] as const;
console.log(`  goals: ${goals.map(([what, ok]) => `${what}: ${ok ? "met" : "NOT met"}`).join("; ")}`);
