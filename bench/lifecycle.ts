/**
 * bench/lifecycle: full run lifecycles per second (delegate, start, two comments,
 * complete) against a listening hub on SQLite, beside the same framework's bare
 * route measured in the same run. Goal: ≥ 2,000 lifecycles/s and ≥ 50 % of the
 * bare route's requests/s.
 *
 *   npm run bench:lifecycle [-- --seconds 10 --rounds 5 --concurrency 64] [--writer thread|local]
 *                            [--database sqlite|postgres]
 *                            [--compare DIR [--compare-writer thread|local] [--compare-database sqlite|postgres]]
 *                            [--hub-flags="--metrics-port 0"]
 *
 * `--database postgres` runs the hub on this machine's PostgreSQL (a fresh schema),
 * and also reports the CPU its server processes spent per request.
 *
 * `--compare DIR` also runs the hub of another checkout (DIR, e.g. a `git
 * worktree` of main with node_modules linked; `.` for this one) in the same
 * alternating slices, so a change's effect shows apart from this machine's drift.
 * `--hub-flags` go to this checkout's hub only (the other may not know them), e.g.
 * `--metrics-port 0` to measure what serving metrics costs.
 */
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import { Pool } from "undici";
import { call, drive, slice, startLifecycleHub, tally, type Tally } from "./lifecycle-hub.ts";
import { fmt, spawnChild } from "./support.ts";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "10" },
    concurrency: { type: "string", default: "64" },
    rounds: { type: "string", default: "5" },
    writer: { type: "string" },
    compare: { type: "string" },
    "compare-writer": { type: "string" },
    database: { type: "string", default: "sqlite" },
    "compare-database": { type: "string" },
    "hub-flags": { type: "string", default: "" },
  },
});
const seconds = Number(values.seconds);
const concurrency = Number(values.concurrency);
const rounds = Number(values.rounds);
const driveLoops = (worker: (i: number) => Promise<void>, ms: number) => drive(worker, concurrency, ms);

// Both servers run side by side and are measured in alternating slices, so drift in
// the shared machine's speed hits the baseline and the hub alike.
const bare = await spawnChild(["--import", "tsx", "bench/bare-server.ts"], /LISTENING (\d+)/);
const barePool = new Pool(`http://127.0.0.1:${bare.match[1]}`, { connections: concurrency });
const bareGet = () => call(barePool, "GET", "/bare", "x").then(() => undefined);
// For reference only: the same route as a POST with a JSON body like the hub's, so the load
// generator pays for the same kind of request (the goal is judged against the GET).
const barePost = () => call(barePool, "POST", "/bare", "x", { body: "Working on a fix now." }).then(() => undefined);

const hubFlags = values["hub-flags"].split(" ").filter(Boolean);
const hub = await startLifecycleHub(".", values.writer, concurrency, values.database, hubFlags);
const otherWriter = values["compare-writer"] ?? values.writer;
const otherDatabase = values["compare-database"] ?? values.database;
const other = values.compare ? await startLifecycleHub(values.compare, otherWriter, concurrency, otherDatabase) : null;

await driveLoops(bareGet, 1000); // warm-up
await driveLoops(hub.lifecycle, 2000);
if (other) await driveLoops(other.lifecycle, 2000);
const bareT = tally();
const postT = tally();
const hubT = tally();
const otherT = tally();
const sliceMs = Math.max(500, (seconds * 1000) / rounds);
// Each round's own ratio too: their spread shows how far the machine drifted within the run.
const roundRatios: number[] = [];
// With --compare, each round's lifecycles/s of this checkout over that one's: a change smaller than their spread is noise.
const roundSpeedups: number[] = [];
const rate = (t: Tally, before: Tally, per: number) => ((t.count - before.count) * per) / ((t.ms - before.ms) / 1000);
for (let r = 0; r < rounds; r++) {
  const [bareBefore, hubBefore, otherBefore] = [{ ...bareT }, { ...hubT }, { ...otherT }];
  // With --compare, the two hubs swap places every round: in a fixed order one slot was seen to carry the
  // machine's drift (0.80× for a change that, alternated, was 0.99–1.01×).
  if (other && r % 2 === 1) await slice(otherT, other.lifecycle, other.pid, sliceMs, concurrency);
  await slice(bareT, bareGet, bare.process.pid!, sliceMs, concurrency);
  await slice(hubT, hub.lifecycle, hub.pid, sliceMs, concurrency);
  roundRatios.push((100 * rate(hubT, hubBefore, 5)) / rate(bareT, bareBefore, 1));
  if (other && r % 2 === 0) await slice(otherT, other.lifecycle, other.pid, sliceMs, concurrency);
  if (other) roundSpeedups.push(rate(hubT, hubBefore, 1) / rate(otherT, otherBefore, 1));
  await slice(postT, barePost, bare.process.pid!, sliceMs / 2, concurrency);
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
console.log(`bench/lifecycle  (${seconds}s each in ${rounds} alternating slices, ${concurrency} concurrent loops, writer ${values.writer ?? "local (default)"}, database ${values.database}${hubFlags.length ? `, hub flags ${hubFlags.join(" ")}` : ""}, Node ${process.version}, load ${loadavg()[0]!.toFixed(1)})`);
console.log(`  bare Fastify route:  ${fmt(bareRps)} req/s          (${fmt(bareRpsPerCpu)} req per server CPU-second)`);
console.log(`  hub lifecycles:      ${fmt(lifecyclesPerSec)} lifecycles/s = ${fmt(hubRps)} req/s  (${fmt(lifecyclesPerCpu)} lifecycles = ${fmt(lifecyclesPerCpu * 5)} req per hub CPU-second)`);
// Where the two cores went: a server can only be as fast as the CPU the load generator leaves it.
const cores = (t: Tally, requests: number) =>
  `server ${fmt(t.cpu / (t.ms / 1000), 2)} cores, ${fmt((t.cpu * 1e6) / requests, 1)} µs/req; client ${fmt(t.clientCpu / (t.ms / 1000), 2)} cores, ${fmt((t.clientCpu * 1e6) / requests, 1)} µs/req`;
console.log(`  CPU, bare:           ${cores(bareT, bareT.count)}`);
console.log(`  CPU, hub:            ${cores(hubT, hubT.count * 5)}`);
const databaseCpu = (t: Tally) => `${fmt(t.databaseCpu / (t.ms / 1000), 2)} cores, ${fmt((t.databaseCpu * 1e6) / (t.count * 5), 1)} µs/req`;
if (values.database === "postgres") console.log(`  CPU, PostgreSQL:     ${databaseCpu(hubT)} (its server processes, beside the hub's own)`);
const sortedRatios = [...roundRatios].sort((a, b) => a - b);
console.log(`  ratio, wall clock:   ${fmt((100 * hubRps) / bareRps, 1)} % of the bare route's req/s  (goal ≥ 50 %; rounds ${fmt(sortedRatios[0]!, 1)}–${fmt(sortedRatios.at(-1)!, 1)} %)`);
console.log(`  (reference) bare POST with a JSON body: ${fmt(postRps)} req/s; the hub makes ${fmt((100 * hubRps) / postRps, 1)} % of that`);
console.log(`  ratio, per CPU:      ${fmt((100 * lifecyclesPerCpu * 5) / bareRpsPerCpu, 1)} % of the bare route's req per CPU-second`);
if (other) {
  const otherPerSec = otherT.count / (otherT.ms / 1000);
  console.log(`  hub of ${values.compare} (writer ${otherWriter ?? "its default"}, database ${otherDatabase}): ${fmt(otherPerSec)} lifecycles/s, ${fmt((otherT.cpu * 1e6) / (otherT.count * 5), 1)} µs of hub CPU per request`);
  if (otherDatabase === "postgres") console.log(`  CPU, PostgreSQL under that hub: ${databaseCpu(otherT)}`);
  const speedups = [...roundSpeedups].sort((a, b) => a - b);
  console.log(`  this checkout vs that: ${fmt(lifecyclesPerSec / otherPerSec, 3)}× the lifecycles/s (rounds ${fmt(speedups[0]!, 3)}–${fmt(speedups.at(-1)!, 3)}×), ${fmt((hubT.cpu / hubT.count) / (otherT.cpu / otherT.count), 3)}× the CPU per lifecycle`);
}
console.log(`  goal ≥ 2,000 lifecycles/s: ${lifecyclesPerSec >= 2000 ? "met" : "NOT met"} (wall clock), ${lifecyclesPerCpu >= 2000 ? "met" : "NOT met"} (per hub CPU-second)`);
