/**
 * bench/fanout: N agents subscribed at once to `agentWebSocket.pendingRuns` on
 * one hub process, while the owner delegates runs to random agents. For each N:
 * delivery latency (delegate call returned → the agent's socket saw the run)
 * and the hub's resident memory. Baselines: the smallest N's p99 and the idle
 * hub's RSS. Goal at N = 10,000: p99 ≤ 50 ms, RSS ≤ 1 GB.
 *
 *   npm run bench:fanout [-- --levels 100,1000,5000,10000 --rate 100 --seconds 10 --stock 20]
 *
 * Three processes on loopback: the hub (the real CLI), the agents (raw `ws`
 * sockets plus a sample of stock ConvexClients, bench/realtime/fanout-clients.ts),
 * and this one, the owner. Latency uses CLOCK_MONOTONIC, which they share.
 */
import { fork } from "node:child_process";
import { once } from "node:events";
import { parseArgs } from "node:util";
import { fmt } from "./support.ts";
import { inBatches, startBenchHub } from "./realtime/hub.ts";
import { ms, row, sleepUntil, summarize, type Summary } from "./realtime/stats.ts";

const { values } = parseArgs({
  options: {
    levels: { type: "string", default: "100,1000,5000,10000" },
    rate: { type: "string", default: "100" },
    seconds: { type: "string", default: "10" },
    stock: { type: "string", default: "20" },
  },
});
const levels = values.levels.split(",").map(Number);
const rate = Number(values.rate);
const seconds = Number(values.seconds);
const stockCount = Number(values.stock);
const now = () => Number(process.hrtime.bigint()) / 1e6;
const MB = 1024 * 1024;

const hub = await startBenchHub(64);
const idleRss = hub.rss();
const clients = fork("bench/realtime/fanout-clients.ts", [], { execArgv: ["--import", "tsx"], stdio: ["ignore", "inherit", "inherit", "ipc"] });
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const reply = async (type: string): Promise<any> => {
  for (;;) {
    const [message] = await once(clients, "message");
    if (message.type === type) return message;
  }
};
await reply("ready");

const agents: { id: string; token: string }[] = [];
const results: { n: number; raw: Summary; stock: Summary; rss: number; missed: number }[] = [];

for (const n of levels) {
  const created = await inBatches(Array.from({ length: n - agents.length }, (_, i) => agents.length + i), 32, (i) =>
    hub.owner("POST", "/agents", { name: `Fanout agent ${i}` }) as Promise<{ id: string; token: string }>);
  const firstLevel = agents.length === 0;
  agents.push(...created);
  const stock = agents.slice(0, Math.min(stockCount, agents.length));
  clients.send({
    type: "connect", baseUrl: hub.baseUrl,
    stock: firstLevel ? stock.map((a) => a.token) : [],
    raw: (firstLevel ? created.slice(stock.length) : created).map((a) => a.token),
  });
  const { sockets } = await reply("connected");
  const tasks = await inBatches(Array.from({ length: rate * seconds }, (_, i) => i), 32, async (i) =>
    (await hub.owner("POST", "/tasks", { projectId: hub.creds.projectId, title: `Fanout ${n} #${i}` })).id as string);

  // Open loop at `rate`: every 10th run goes to one of the stock clients, the rest to any agent.
  const returnedAt = new Map<string, number>();
  const t0 = performance.now() + 50;
  const calls: Promise<void>[] = [];
  for (let i = 0; i < tasks.length; i++) {
    await sleepUntil(t0 + (i * 1000) / rate);
    const pool = i % 10 === 0 ? stock : agents;
    const agent = pool[Math.floor(Math.random() * pool.length)]!;
    calls.push(hub.owner("POST", `/tasks/${tasks[i]}/delegate`, { agentId: agent.id }).then((run: { id: string }) => {
      returnedAt.set(run.id, now());
    }));
  }
  await Promise.all(calls);
  let seen = new Map<string, [number, boolean]>();
  const deadline = performance.now() + 5000;
  do {
    await sleepUntil(performance.now() + 100);
    clients.send({ type: "report" });
    seen = new Map((await reply("seen")).entries);
  } while ([...returnedAt.keys()].some((id) => !seen.has(id)) && performance.now() < deadline);

  const delays = { raw: [] as number[], stock: [] as number[] };
  for (const [id, returned] of returnedAt) {
    const entry = seen.get(id);
    if (entry) delays[entry[1] ? "stock" : "raw"].push(Math.max(0, entry[0] - returned));
  }
  const result = { n, raw: summarize(delays.raw), stock: summarize(delays.stock), rss: hub.rss(), missed: [...returnedAt.keys()].filter((id) => !seen.has(id)).length };
  results.push(result);
  console.log(`N = ${fmt(n)} subscribed agents (${fmt(sockets)} sockets), ${rate} delegations/s for ${seconds}s: hub RSS ${fmt(result.rss / MB)} MB, runs never seen: ${result.missed}`);
  console.log(row("raw ws agents", result.raw));
  console.log(row("stock ConvexClient sample", result.stock));
}

clients.send({ type: "stop" });
await once(clients, "exit");
await hub.stop();

const base = results[0]!;
const last = results.at(-1)!;
console.log(`\nbench/fanout  (Node ${process.version}; delivery = delegate call returned → the agent's socket had the run; negative counted as 0)`);
console.log(`  ${"N".padStart(7)}  ${"p50".padStart(9)}  ${"p99".padStart(9)}  ${"max".padStart(9)}  ${"stock p99".padStart(9)}  ${"p99 / N=" + base.n}  ${"RSS".padStart(8)}  KB per socket over idle`);
for (const r of results) {
  console.log(`  ${fmt(r.n).padStart(7)}  ${ms(r.raw.p50).padStart(9)}  ${ms(r.raw.p99).padStart(9)}  ${ms(r.raw.max).padStart(9)}  ${ms(r.stock.p99).padStart(9)}  ${(fmt(r.raw.p99 / base.raw.p99, 1) + "×").padStart(10)}  ${(fmt(r.rss / MB) + " MB").padStart(8)}  ${fmt((r.rss - idleRss) / 1024 / r.n, 1)}`);
}
console.log(`  idle hub RSS (baseline): ${fmt(idleRss / MB)} MB`);
if (last.n >= 10_000) {
  console.log(`  goals at N = ${fmt(last.n)}: p99 ${ms(last.raw.p99)} ≤ 50 ms: ${last.raw.p99 <= 50 ? "met" : "NOT met"}; RSS ${fmt(last.rss / MB)} MB ≤ 1 GB: ${last.rss <= 1024 * MB ? "met" : "NOT met"}`);
}
