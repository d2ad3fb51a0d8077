/**
 * bench/write-instructions: CPU instructions per lifecycle on the compiled write
 * path (bench/write-workload.mjs under valgrind's callgrind), for this checkout
 * and optionally another one. Instructions, not seconds: this shared 2-core VM
 * drifts by ±5–10 % within minutes, which hides a change of a few percent in
 * any timed bench; an instruction count varies by ~2 % between runs (GC timing,
 * random ids). Each checkout runs N and 3N lifecycles; the difference over 2N
 * is the steady state, without Node's start, module loading and setup.
 *
 *   npm run bench:write-instructions [-- --lifecycles 200 --rounds 2 --compare DIR]
 *
 * DIR is another checkout with `dist/` built (`node scripts/build.mjs`). Needs
 * valgrind; takes about a minute and a half per checkout and round.
 */
import { execFile } from "node:child_process";
import { parseArgs } from "node:util";
import { promisify } from "node:util";
import { fmt } from "./support.ts";

const run = promisify(execFile);
const { values } = parseArgs({
  options: {
    lifecycles: { type: "string", default: "200" },
    rounds: { type: "string", default: "2" },
    compare: { type: "string" },
  },
});
const n = Number(values.lifecycles);

/** Instructions callgrind counted for `lifecycles` lifecycles on `checkout`'s dist (all threads). */
async function instructions(checkout: string, lifecycles: number): Promise<number> {
  const { stderr } = await run("valgrind", [
    "--tool=callgrind", "--smc-check=all-non-file", "--callgrind-out-file=/dev/null",
    process.execPath, "bench/write-workload.mjs", checkout, String(lifecycles),
  ], { maxBuffer: 16 * 1024 * 1024 });
  const refs = /I\s+refs:\s+([\d,]+)/.exec(stderr);
  if (!refs) throw new Error(`no instruction count from callgrind:\n${stderr.slice(-2000)}`);
  return Number(refs[1]!.replaceAll(",", ""));
}

const checkouts = [".", ...(values.compare ? [values.compare] : [])];
const perLifecycle = new Map(checkouts.map((c) => [c, [] as number[]]));
// Alternating, so anything that drifts (it should not) hits both alike.
for (let r = 0; r < Number(values.rounds); r++) {
  for (const checkout of checkouts) {
    const small = await instructions(checkout, n);
    const large = await instructions(checkout, 3 * n);
    perLifecycle.get(checkout)!.push((large - small) / (2 * n));
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(`bench/write-instructions  (${n} and ${3 * n} lifecycles under callgrind, ${values.rounds} rounds, Node ${process.version})`);
for (const [checkout, counts] of perLifecycle) {
  console.log(`  ${checkout.padEnd(20)} ${fmt(median(counts))} instructions per lifecycle  (rounds: ${counts.map((c) => fmt(c)).join(", ")})`);
}
if (values.compare) {
  console.log(`  this checkout vs that: ${fmt(median(perLifecycle.get(".")!) / median(perLifecycle.get(values.compare)!), 3)}× the instructions per lifecycle`);
}
