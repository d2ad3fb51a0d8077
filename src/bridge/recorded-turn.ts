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
 *   no record ─────────────▶ unsent   (OpenClaw never took it: send it)
 *   queued | running ──────▶ running  (wait for it)
 *   completed ─────────────▶ ended ok (answer and cost from the transcript)
 *   failed | timed_out | cancelled ▶ ended with that failure
 */
import type { AgentResult, ChatHistory, TaskRecord, TranscriptMessage } from "./gateway/frames.ts";

export type RecordedTurn =
  | { state: "unsent" }
  | { state: "running" }
  | { state: "ended"; result: AgentResult };

export function recordedTurn(turnKey: string, record: TaskRecord | undefined, transcript: ChatHistory | undefined): RecordedTurn {
  if (!record) return { state: "unsent" };
  const detail = record.error ?? record.terminalSummary;
  switch (record.status) {
    case "queued":
    case "running":
      return { state: "running" };
    case "completed": {
      const messages = (transcript?.messages ?? []).filter((m) => m.role === "assistant" && m.__openclaw?.runId === turnKey);
      const text = messages.map(textOf).findLast((t) => t.length > 0) ?? "";
      const cost = costOf(messages);
      return {
        state: "ended",
        result: { runId: turnKey, status: "ok", summary: "completed", result: { payloads: [{ text }], meta: { agentMeta: cost === undefined ? {} : { costUsd: cost } } } },
      };
    }
    case "timed_out":
      return { state: "ended", result: { runId: turnKey, status: "timeout", summary: "timed out", ...(detail ? { error: detail } : {}) } };
    case "cancelled":
      return { state: "ended", result: { runId: turnKey, status: "timeout", summary: "aborted", ...(detail ? { stopReason: detail } : {}) } };
    default:
      // failed, and any status a newer OpenClaw adds: the turn is over and did not succeed.
      return { state: "ended", result: { runId: turnKey, status: "error", error: detail ?? `the turn ended ${record.status}` } };
  }
}

/** An assistant message's text parts (tool calls and reasoning left out). */
function textOf(message: TranscriptMessage): string {
  if (typeof message.content === "string") return message.content;
  if (!Array.isArray(message.content)) return "";
  return message.content
    .map((part: unknown) => (part && typeof part === "object" && (part as { type?: unknown }).type === "text" && typeof (part as { text?: unknown }).text === "string" ? (part as { text: string }).text : ""))
    .join("");
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
