/**
 * bench/writer-modes: the hub's two places for writes side by side, `--writer
 * thread` (a thread of their own) and `--writer local` (the HTTP thread), at
 * the same offered load. Each load step runs both hubs in alternating slices:
 * lifecycles started at a fixed rate (open loop, so neither mode gets an easier
 * load by being slower), then the closed loop at full speed. Meanwhile an owner
 * reads a task with a 40-entry feed every 5 ms on a connection of its own: what
 * a person's page waits while agents write.
 *
 *   npm run bench:writer-modes [-- --seconds 6 --rounds 3 --rates 250,500,1000]
 *
 * Per mode and step: lifecycles/s served, the hub's CPU per request, the
 * latency of the lifecycle's writes and of the read (p50 / p99).
 */
import { readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { Pool } from "undici";
import { call, drive, startLifecycleHub, type LifecycleHub } from "./lifecycle-hub.ts";
import { cpuSeconds, fmt, percentile } from "./support.ts";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "6" },
    rounds: { type: "string", default: "3" },
    rates: { type: "string", default: "250,500,1000" },
    concurrency: { type: "string", default: "64" },
  },
});
const seconds = Number(values.seconds);
const rounds = Number(values.rounds);
const concurrency = Number(values.concurrency);
const rates = values.rates.split(",").map(Number);
const sliceMs = Math.max(500, (seconds * 1000) / rounds);

interface Mode {
  name: "thread" | "local";
  hub: LifecycleHub;
  probe: () => Promise<void>;
  close: () => Promise<void>;
}

async function startMode(name: Mode["name"]): Promise<Mode> {
  const hub = await startLifecycleHub(".", name, concurrency);
  const pool = new Pool(hub.origin, { connections: 1 });
  const creds = JSON.parse(readFileSync(join(hub.dataDir, "credentials.json"), "utf8"));
  const task = (await call(pool, "POST", "/api/v1/tasks", hub.ownerAuth, { projectId: creds.projectId, title: "Read while agents write" })).id;
  for (let i = 0; i < 40; i++) await call(pool, "POST", `/api/v1/tasks/${task}/comments`, hub.ownerAuth, { body: `Note ${i}: what we know so far.` });
  return {
    name,
    hub,
    probe: () => call(pool, "GET", `/api/v1/tasks/${task}`, hub.ownerAuth).then(() => undefined),
    close: async () => {
      await pool.close();
      await hub.stop();
    },
  };
}

interface Sample { lifecycles: number; ms: number; cpu: number; writes: number[]; reads: number[] }
const sample = (): Sample => ({ lifecycles: 0, ms: 0, cpu: 0, writes: [], reads: [] });

/** Reads the probe task every 5 ms until `stop`, recording each read's latency. */
async function probeUntil(mode: Mode, into: number[], stop: () => boolean): Promise<void> {
  while (!stop()) {
    const t = performance.now();
    await mode.probe();
    into.push(performance.now() - t);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/**
 * Starts lifecycles at `rate` per second for `ms` (or back to back on every loop
 * when `rate` is null). A lifecycle whose loop is still busy waits for it: with
 * 64 tasks and a fair rate that never happens, and when it does the mode is behind.
 */
async function runSlice(mode: Mode, rate: number | null, ms: number, into: Sample): Promise<void> {
  const cpu = cpuSeconds(mode.hub.pid);
  const start = performance.now();
  let done = false;
  const probing = probeUntil(mode, into.reads, () => done);
  const onCall = (latency: number) => into.writes.push(latency);
  let count = 0;
  if (rate === null) {
    count = (await drive((i) => mode.hub.lifecycle(i, onCall), concurrency, ms)).count;
  } else {
    const free = Array.from({ length: concurrency }, (_, i) => i);
    const waiting: (() => void)[] = [];
    const inFlight = new Set<Promise<void>>();
    const takeLoop = async (): Promise<number> => {
      const loop = free.pop();
      if (loop !== undefined) return loop;
      await new Promise<void>((resolve) => waiting.push(resolve));
      return free.pop()!;
    };
    let started = 0;
    while (performance.now() - start < ms) {
      const due = Math.floor(((performance.now() - start) / 1000) * rate);
      for (; started < due; started++) {
        const work: Promise<void> = takeLoop().then(async (loop) => {
          await mode.hub.lifecycle(loop, onCall);
          count++;
          free.push(loop);
          waiting.shift()?.();
        }).finally(() => inFlight.delete(work));
        inFlight.add(work);
      }
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    await Promise.all(inFlight);
  }
  into.ms += performance.now() - start;
  done = true;
  await probing;
  into.cpu += cpuSeconds(mode.hub.pid) - cpu;
  into.lifecycles += count;
}

const modes = [await startMode("thread"), await startMode("local")];
try {
  for (const mode of modes) await drive((i) => mode.hub.lifecycle(i), concurrency, 2000); // warm-up
  console.log(`bench/writer-modes  (${seconds}s per mode and step in ${rounds} alternating slices, ${concurrency} tasks, Node ${process.version}, load ${loadavg()[0]!.toFixed(1)})`);
  console.log("  offered        mode     served/s   CPU µs/req   write p50 / p99 ms   read p50 / p99 ms");
  for (const rate of [...rates, null]) {
    const samples = new Map(modes.map((m) => [m.name, sample()]));
    for (let r = 0; r < rounds; r++) {
      for (const mode of r % 2 === 0 ? modes : [...modes].reverse()) await runSlice(mode, rate, sliceMs, samples.get(mode.name)!);
    }
    for (const mode of modes) {
      const s = samples.get(mode.name)!;
      const writes = s.writes.sort((a, b) => a - b);
      const reads = s.reads.sort((a, b) => a - b);
      const served = s.lifecycles / (s.ms / 1000);
      console.log(
        `  ${(rate === null ? "full speed" : `${fmt(rate)}/s`).padEnd(14)} ${mode.name.padEnd(8)} ${fmt(served).padStart(8)}   ` +
        `${fmt((s.cpu * 1e6) / (s.lifecycles * 5), 1).padStart(10)}   ` +
        `${fmt(percentile(writes, 50), 2).padStart(8)} / ${fmt(percentile(writes, 99), 2).padEnd(8)}   ` +
        `${fmt(percentile(reads, 50), 2).padStart(7)} / ${fmt(percentile(reads, 99), 2)}`,
      );
    }
  }
} finally {
  await Promise.all(modes.map((m) => m.close()));
}
