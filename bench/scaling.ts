/**
 * bench/scaling: would a second hub process help on this machine?
 *
 * A multi-process hub (HTTP on several processes, one writer) can at best do
 * what two fully independent hubs do: each its own data dir and half the loops,
 * nothing shared, no hop between them. This bench measures that upper bound
 * beside one hub, and the bare route on one and on two processes, in
 * alternating slices; and, without any I/O, what a second process adds to
 * allocation-heavy JavaScript (the kind of work the hub does).
 *
 *   npm run bench:scaling [-- --seconds 8 --rounds 4 --concurrency 64]
 */
import { readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import { Pool } from "undici";
import { call, drive, startLifecycleHub } from "./lifecycle-hub.ts";
import { cpuSeconds, fmt, spawnChild } from "./support.ts";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "8" },
    rounds: { type: "string", default: "4" },
    concurrency: { type: "string", default: "64" },
  },
});
const concurrency = Number(values.concurrency);
const rounds = Number(values.rounds);
const sliceMs = Math.max(500, (Number(values.seconds) * 1000) / rounds);

/** The machine's CPU time by kind, from /proc/stat (jiffies since boot). */
const machine = () => readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);

interface Setup {
  name: string;
  /** Requests one iteration makes. */
  per: number;
  pids: number[];
  work(i: number): Promise<void>;
  count: number;
  ms: number;
  serverCpu: number;
  busy: number;
  total: number;
}

const setup = (name: string, per: number, pids: number[], work: (i: number) => Promise<void>): Setup =>
  ({ name, per, pids, work, count: 0, ms: 0, serverCpu: 0, busy: 0, total: 0 });

async function measure(s: Setup): Promise<void> {
  const before = machine();
  const cpu = s.pids.map(cpuSeconds);
  const run = await drive(s.work, concurrency, sliceMs);
  const after = machine();
  s.serverCpu += s.pids.reduce((sum, pid, i) => sum + cpuSeconds(pid) - cpu[i]!, 0);
  const delta = after.map((v, i) => v - before[i]!);
  const total = delta.reduce((a, b) => a + b, 0);
  s.busy += total - delta[3]! - delta[4]!; // all but idle and iowait
  s.total += total;
  s.count += run.count;
  s.ms += run.ms;
}

const bareServer = () => spawnChild(["--import", "tsx", "bench/bare-server.ts"], /LISTENING (\d+)/);
const bares = [await bareServer(), await bareServer()];
const barePools = bares.map((b) => new Pool(`http://127.0.0.1:${b.match[1]}`, { connections: concurrency }));
const bareGet = (pool: Pool) => call(pool, "GET", "/bare", "x").then(() => undefined);
const one = await startLifecycleHub(".", undefined, concurrency);
const halves = [await startLifecycleHub(".", undefined, concurrency / 2), await startLifecycleHub(".", undefined, concurrency / 2)];

const setups = [
  setup("bare route, 1 process", 1, [bares[0]!.process.pid!], () => bareGet(barePools[0]!)),
  setup("bare route, 2 processes", 1, bares.map((b) => b.process.pid!), (i) => bareGet(barePools[i % 2]!)),
  setup("hub, 1 process", 5, [one.pid], (i) => one.lifecycle(i)),
  setup("hubs, 2 independent processes", 5, halves.map((h) => h.pid), (i) => halves[i % 2]!.lifecycle(i >> 1)),
];
try {
  for (const s of setups) await drive(s.work, concurrency, 1000); // warm-up
  for (let r = 0; r < rounds; r++) for (const s of setups) await measure(s);
} finally {
  await Promise.all(barePools.map((p) => p.close()));
  await Promise.all([...bares.map((b) => b.stop()), one.stop(), ...halves.map((h) => h.stop())]);
}

// The same allocation-heavy loop (JSON in and out, a map of results) alone, then in two processes at once.
const CPU_PROBE = `
const docs = Array.from({ length: 2000 }, (_, i) => ({ id: "run_" + i, body: "Working on a fix now. " + i, n: i, meta: { a: [1, 2, 3], b: "x".repeat(i % 50) } }));
const seen = new Map(); let passes = 0; const end = Date.now() + ${sliceMs};
while (Date.now() < end) { for (const d of docs) { const p = JSON.parse(JSON.stringify(d)); seen.set(p.id + passes, p); } if (seen.size > 200000) seen.clear(); passes++; }
console.log("PASSES " + passes);`;
const probe = async (processes: number) => {
  const children = await Promise.all(Array.from({ length: processes }, () => spawnChild(["-e", CPU_PROBE], /PASSES (\d+)/, sliceMs + 30_000)));
  return children.reduce((sum, c) => sum + Number(c.match[1]), 0);
};
let alone = 0;
let together = 0;
for (let r = 0; r < rounds; r++) {
  alone += await probe(1);
  together += await probe(2);
}

const rate = (s: Setup) => (s.count * s.per) / (s.ms / 1000);
console.log(`bench/scaling  (${fmt(sliceMs / 1000, 1)} s slices × ${rounds} rounds, ${concurrency} loops, Node ${process.version}, load ${loadavg()[0]!.toFixed(1)})`);
for (const s of setups) {
  const secs = s.ms / 1000;
  console.log(
    `  ${s.name.padEnd(31)} ${fmt(rate(s)).padStart(7)} req/s   servers ${fmt(s.serverCpu / secs, 2)} cores, ${fmt((s.serverCpu * 1e6) / (s.count * s.per), 1)} µs/req; machine ${fmt((100 * s.busy) / s.total)} % busy`,
  );
}
const [bare1, bare2, hub1, hub2] = setups.map(rate) as [number, number, number, number];
console.log(`  a second bare process:          ${fmt(bare2 / bare1, 2)}× the bare route's req/s`);
console.log(`  a second hub process:           ${fmt(hub2 / hub1, 2)}× the hub's req/s (the upper bound for any multi-process hub on one database)`);
console.log(`  two hubs against the bare route: ${fmt((100 * hub2) / bare1, 1)} % of 1 process, ${fmt((100 * hub2) / bare2, 1)} % of 2 (goal ≥ 50 %); one hub: ${fmt((100 * hub1) / bare1, 1)} %`);
console.log(`  JSON-heavy JS without I/O:      2 processes do ${fmt(together / alone, 2)}× what 1 does`);
