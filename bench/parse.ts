/**
 * bench/parse: what checking a value against its schema costs where the SDK and
 * the bridge do it most: a `pendingRuns` update (the whole waiting list, every
 * time it changes) and an OpenClaw gateway event frame (many per turn). Each is
 * measured beside the same check interpreted by typebox's `Value.Check` (what
 * both did before), in the same run.
 *
 *   npm run bench:parse [-- --runs 1000 --rounds 7]
 */
import { parseArgs } from "node:util";
import type { TObject } from "typebox";
import { Value } from "typebox/value";
import { AgentEvent, EventFrame, parseAgentEvent, parseFrame, ResponseFrame } from "../src/bridge/gateway/frames.ts";
import { parseRuns } from "../src/sdk/parse.ts";
import { RunListItem } from "../src/sdk/types.ts";
import { fmt } from "./support.ts";

const { values } = parseArgs({ options: { runs: { type: "string", default: "1000" }, rounds: { type: "string", default: "7" } } });
const runs = Number(values.runs);
const rounds = Number(values.rounds);

const list = Array.from({ length: runs }, (_, i) => ({
  id: `run_01m8ta4cwj${String(i).padStart(8, "0")}`, taskId: `task_01m8ta4cwj${String(i).padStart(8, "0")}`, taskTitle: "Fix the login bug",
  prompt: "Please fix the login bug described in the task", status: "PENDING", createdAt: 1796180000000 + i, startedAt: null, endedAt: null,
  stepCostUsd: null, totalCostUsd: null,
}));
/** The SDK's lenient pick, interpreted: each field checked with `Value.Check`. */
function interpretedRuns(items: unknown[], schema: TObject = RunListItem): unknown[] {
  return items.map((raw) => {
    const out: Record<string, unknown> = {};
    for (const [key, field] of Object.entries(schema.properties)) {
      const value = (raw as Record<string, unknown>)[key];
      if (value !== undefined && Value.Check(field, value)) out[key] = value;
    }
    return out;
  });
}

const frameText = JSON.stringify({
  type: "event", event: "agent", seq: 99,
  payload: { runId: "groupchat-run-run_01m8ta4cwj00006qjzr103", stream: "tool", sessionKey: "agent:main:groupchat-task_1", seq: 12, ts: 1796180543000, data: { phase: "start", name: "exec", toolCallId: "call_1_0", args: { command: "npm test" } } },
});
const FRAMES = 20_000;

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function time(fn: () => void): number {
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
}

// One untimed pass each: the compiled checks are built on first use.
parseRuns(list);
parseAgentEvent(parseFrame(frameText).payload);

const samples = { listCompiled: [] as number[], listInterpreted: [] as number[], frameCompiled: [] as number[], frameInterpreted: [] as number[] };
for (let round = 0; round < rounds; round++) {
  samples.listCompiled.push(time(() => parseRuns(list)));
  samples.listInterpreted.push(time(() => interpretedRuns(list)));
  samples.frameCompiled.push(time(() => {
    for (let i = 0; i < FRAMES; i++) parseAgentEvent(parseFrame(frameText).payload);
  }));
  samples.frameInterpreted.push(time(() => {
    for (let i = 0; i < FRAMES; i++) {
      // As parseFrame did: a response first, then an event.
      const raw: unknown = JSON.parse(frameText);
      if (!Value.Check(ResponseFrame, raw) && Value.Check(EventFrame, raw)) Value.Check(AgentEvent, raw.payload);
    }
  }));
}

const list1 = median(samples.listCompiled);
const list0 = median(samples.listInterpreted);
const frame1 = (median(samples.frameCompiled) * 1000) / FRAMES;
const frame0 = (median(samples.frameInterpreted) * 1000) / FRAMES;
console.log(`bench/parse  (median of ${rounds} rounds, Node ${process.version})`);
console.log(`  pendingRuns update of ${runs} runs:  ${fmt(list1, 2)} ms compiled, ${fmt(list0, 2)} ms interpreted (Value.Check)  = ${fmt(list0 / list1, 1)}× faster`);
console.log(`  gateway event frame (parse + check): ${fmt(frame1, 2)} µs compiled, ${fmt(frame0, 2)} µs interpreted  = ${fmt(frame0 / frame1, 1)}× faster`);
