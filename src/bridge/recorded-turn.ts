/**
 * What became of a turn the bridge sent before it restarted (or lost its
 * connection), decided from what OpenClaw keeps on disk: its task ledger (one
 * record per turn, by the turn's run id) and the session's transcript (the
 * turn's answer, and what each of its model calls cost).
 *
 * Why not just send the turn's `agent` request again under its idempotency key:
 * the gateway forgets a key 5 minutes after its turn ended (and beyond its last
 * 1,000 keys), and a forgotten key starts the whole turn over, tools and all.
 *
 *   queued | running ──────▶ running  (wait for it)
 *   completed ─────────────▶ ended ok (answer and cost from the transcript)
 *   failed | timed_out | cancelled ▶ ended with that failure
 *   no record, but in the transcript ▶ ended (records are pruned after 7 days):
 *                              as its last model call ended; running while
 *                              the session has a run going and it has no end
 *   neither ───────────────▶ unsent   (OpenClaw never took it: send it)
 */
import type { AgentResult, ChatHistory, TaskRecord, TranscriptMessage } from "./gateway/frames.ts";

export type RecordedTurn =
  | { state: "unsent" }
  | { state: "running" }
  | { state: "ended"; result: AgentResult };

export function recordedTurn(turnKey: string, record: TaskRecord | undefined, transcript: ChatHistory | undefined): RecordedTurn {
  if (!record) return fromTranscriptAlone(turnKey, transcript);
  const detail = record.error ?? record.terminalSummary;
  switch (record.status) {
    case "queued":
    case "running":
      return { state: "running" };
    case "completed":
      return { state: "ended", result: completed(turnKey, answersOf(turnKey, transcript)) };
    case "timed_out":
      return { state: "ended", result: { runId: turnKey, status: "timeout", summary: "timed out", ...(detail ? { error: detail } : {}) } };
    case "cancelled":
      return { state: "ended", result: { runId: turnKey, status: "timeout", summary: "aborted", ...(detail ? { stopReason: detail } : {}) } };
    default:
      // failed, and any status a newer OpenClaw adds: the turn is over and did not succeed.
      return { state: "ended", result: { runId: turnKey, status: "error", error: detail ?? `the turn ended ${record.status}` } };
  }
}

/** A turn the ledger no longer lists: the transcript tells whether OpenClaw took it, and how its last model call ended. */
function fromTranscriptAlone(turnKey: string, transcript: ChatHistory | undefined): RecordedTurn {
  const messages = transcript?.messages ?? [];
  const answers = answersOf(turnKey, transcript);
  if (answers.length === 0 && !messages.some((m) => m.idempotencyKey === `${turnKey}:user`)) return { state: "unsent" };
  const last = answers.at(-1);
  // A ledger that keeps no record (or lost it) must not turn a turn still going into a failure.
  if (transcript?.sessionInfo?.hasActiveRun === true && !ENDINGS.has(last?.stopReason ?? "")) return { state: "running" };
  switch (last?.stopReason) {
    case "stop":
    case "length":
      return { state: "ended", result: completed(turnKey, answers) };
    case "aborted":
      return { state: "ended", result: { runId: turnKey, status: "timeout", summary: "aborted", ...(last.errorMessage ? { stopReason: last.errorMessage } : {}) } };
    default:
      return { state: "ended", result: { runId: turnKey, status: "error", error: last?.errorMessage ?? "the turn was cut off before it answered" } };
  }
}

/** How a model call that ended its turn stops (`toolUse` means the turn went on). */
const ENDINGS = new Set(["stop", "length", "aborted", "error"]);

function answersOf(turnKey: string, transcript: ChatHistory | undefined): TranscriptMessage[] {
  return (transcript?.messages ?? []).filter((m) => m.role === "assistant" && m.__openclaw?.runId === turnKey);
}

function completed(turnKey: string, answers: TranscriptMessage[]): AgentResult {
  const text = answers.map(textOf).findLast((t) => t.length > 0) ?? "";
  const cost = costOf(answers);
  return { runId: turnKey, status: "ok", summary: "completed", result: { payloads: [{ text }], meta: { agentMeta: cost === undefined ? {} : { costUsd: cost } } } };
}

/** An assistant message's text parts (tool calls and reasoning left out). */
function textOf(message: TranscriptMessage): string {
  if (typeof message.content === "string") return message.content;
  if (!Array.isArray(message.content)) return "";
  return message.content
    .map((part: unknown) => (part && typeof part === "object" && (part as { type?: unknown }).type === "text" && typeof (part as { text?: unknown }).text === "string" ? (part as { text: string }).text : ""))
    .join("");
}

/** What the turn's model calls cost (a failed one's too, up to its failure), or undefined when none was reported. */
export function turnCostUsd(turnKey: string, transcript: ChatHistory | undefined): number | undefined {
  return costOf(answersOf(turnKey, transcript));
}

/** The turn's cost: its model calls' costs added up, or undefined when none was reported. */
function costOf(messages: TranscriptMessage[]): number | undefined {
  let total: number | undefined;
  for (const m of messages) {
    const cost = m.usage?.cost?.total;
    if (typeof cost === "number" && Number.isFinite(cost) && cost >= 0) total = (total ?? 0) + cost;
  }
  return total;
}
