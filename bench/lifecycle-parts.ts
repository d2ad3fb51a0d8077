/**
 * bench/lifecycle-parts: where bench/lifecycle's ratio goes. In the same
 * alternating slices it measures the bare Fastify route, the hub's HTTP layer
 * with writes that cost nothing (bench/http-layer-server.ts), and the whole hub;
 * then the write path alone, in a process of its own with no HTTP and no thread
 * between (bench/write-path.ts), with SQLite's share of it. The HTTP layer's
 * ratio is the ceiling the hub would reach if its writes were free.
 *
 *   npm run bench:lifecycle-parts [-- --seconds 10 --rounds 5 --concurrency 64]
 */
import { execFileSync } from "node:child_process";
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import { Pool } from "undici";
import { call, drive, slice, startHttpLayer, startLifecycleHub, tally, type Tally } from "./lifecycle-hub.ts";
import { fmt, spawnChild } from "./support.ts";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "10" },
    concurrency: { type: "string", default: "64" },
    rounds: { type: "string", default: "5" },
  },
});
const seconds = Number(values.seconds);
const concurrency = Number(values.concurrency);
const rounds = Number(values.rounds);

const bare = await spawnChild(["--import", "tsx", "bench/bare-server.ts"], /LISTENING (\d+)/);
const barePool = new Pool(`http://127.0.0.1:${bare.match[1]}`, { connections: concurrency });
const bareGet = () => call(barePool, "GET", "/bare", "x").then(() => undefined);
const layer = await startHttpLayer(concurrency);
const hub = await startLifecycleHub(".", undefined, concurrency);

await drive(bareGet, concurrency, 1000); // warm-up
await drive(layer.lifecycle, concurrency, 2000);
await drive(hub.lifecycle, concurrency, 2000);
const bareT = tally();
const layerT = tally();
const hubT = tally();
const sliceMs = Math.max(500, (seconds * 1000) / rounds);
for (let r = 0; r < rounds; r++) {
  await slice(bareT, bareGet, bare.process.pid!, sliceMs, concurrency);
  await slice(layerT, layer.lifecycle, layer.pid, sliceMs, concurrency);
  await slice(hubT, hub.lifecycle, hub.pid, sliceMs, concurrency);
}
await barePool.close();
await Promise.all([bare.stop(), layer.stop(), hub.stop()]);

// The write path alone, after the servers are gone, so it has the machine to itself as they had.
const writePath = JSON.parse(execFileSync(process.execPath, ["--import", "tsx", "bench/write-path.ts", "--concurrency", String(concurrency)], { encoding: "utf8" })) as {
  plain: { lifecyclesPerSec: number; cpuUsPerCommand: number };
  sqlUsPerCommand: number;
  statements: { sql: string; perLifecycle: number; usEach: number }[];
};

const bareRps = bareT.count / (bareT.ms / 1000);
const requestsPerSec = (t: Tally) => (t.count * 5) / (t.ms / 1000);
const line = (name: string, t: Tally, requests: number, rps: number) =>
  `  ${name.padEnd(34)}${fmt(rps).padStart(8)} req/s  ${fmt((100 * rps) / bareRps, 1).padStart(5)} %   server ${fmt((t.cpu * 1e6) / requests, 1).padStart(6)} µs/req  client ${fmt((t.clientCpu * 1e6) / requests, 1).padStart(6)} µs/req`;
const layerUs = (layerT.cpu * 1e6) / (layerT.count * 5);
const hubUs = (hubT.cpu * 1e6) / (hubT.count * 5);
console.log(`bench/lifecycle-parts  (${seconds}s each in ${rounds} alternating slices, ${concurrency} concurrent loops, Node ${process.version}, load ${loadavg()[0]!.toFixed(1)})`);
console.log(`  ${"".padEnd(34)}${"".padStart(14)}of bare`);
console.log(line("bare Fastify route (GET)", bareT, bareT.count, bareRps));
console.log(line("hub's HTTP layer, writes free", layerT, layerT.count * 5, requestsPerSec(layerT)));
console.log(line("whole hub", hubT, hubT.count * 5, requestsPerSec(hubT)));
console.log(`  the writes' share of the hub's CPU:  ${fmt(hubUs - layerUs, 1)} µs of ${fmt(hubUs, 1)} µs per request`);
console.log(`  write path alone (one thread, in-process): ${fmt(writePath.plain.lifecyclesPerSec)} lifecycles/s, ${fmt(writePath.plain.cpuUsPerCommand, 1)} µs CPU per command, of which SQLite statements ${fmt(writePath.sqlUsPerCommand, 1)} µs`);
console.log("  its statements, by time (per lifecycle × µs each):");
for (const s of writePath.statements.slice(0, 8)) {
  console.log(`    ${fmt(s.perLifecycle, 2).padStart(5)} × ${fmt(s.usEach, 1).padStart(6)} µs  ${s.sql.slice(0, 90)}`);
}
