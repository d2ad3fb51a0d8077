/**
 * The OpenClaw Gateway protocol's wire frames (protocol 4), parsed once at the
 * boundary. Only what the bridge reads is typed; payloads it does not use stay
 * `unknown`. Decoded frames are what the rest of the bridge sees.
 *
 *   gateway ─ event connect.challenge ─▶ bridge ─ req connect ─▶ gateway ─ res hello-ok ─▶ ready
 *   bridge ─ req agent ─▶ gateway ─ res {status:"accepted"} … events … res {status:"ok"|"error"|"timeout"}
 */
import { Type, type Static } from "typebox";
import { matches as is } from "../../sdk/parse.ts";

export const PROTOCOL_VERSION = 4;

const ErrorShape = Type.Object({
  code: Type.String(),
  message: Type.String(),
  retryable: Type.Optional(Type.Boolean()),
  retryAfterMs: Type.Optional(Type.Number()),
  details: Type.Optional(Type.Unknown()),
});
export type GatewayErrorShape = Static<typeof ErrorShape>;

export const ResponseFrame = Type.Object({
  type: Type.Literal("res"),
  id: Type.String(),
  ok: Type.Boolean(),
  payload: Type.Optional(Type.Unknown()),
  error: Type.Optional(ErrorShape),
});

export const EventFrame = Type.Object({
  type: Type.Literal("event"),
  event: Type.String(),
  payload: Type.Optional(Type.Unknown()),
  seq: Type.Optional(Type.Number()),
});

export type ResponseFrame = Static<typeof ResponseFrame>;
export type EventFrame = Static<typeof EventFrame>;
export type InboundFrame = ResponseFrame | EventFrame;

export class FrameError extends Error {
  override readonly name = "FrameError";
}

/** Parses one text frame from the gateway; throws `FrameError` on anything else. */
export function parseFrame(text: string): InboundFrame {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new FrameError("frame is not JSON");
  }
  if (is(ResponseFrame, raw)) return raw;
  if (is(EventFrame, raw)) return raw;
  throw new FrameError(`unexpected frame ${JSON.stringify(raw).slice(0, 200)}`);
}

export function requestFrame(id: string, method: string, params: unknown): string {
  return JSON.stringify({ type: "req", id, method, params });
}

export interface ConnectOptions {
  token?: string;
  clientVersion: string;
  /** Ask for operator.admin too (default true). */
  admin?: boolean;
}

/**
 * The `connect` request's params: an operator with token auth that wants tool
 * events. `operator.admin` because `sessions.create` takes a `cwd` outside the
 * agent workspace (each task's own directory) only from an admin; the shared
 * gateway token grants it (it is a full-access operator credential anyway). A
 * gateway that refuses admin gets a connect without it (tasks then share the
 * agent workspace).
 */
export function connectParams(o: ConnectOptions): Record<string, unknown> {
  return {
    minProtocol: PROTOCOL_VERSION,
    maxProtocol: PROTOCOL_VERSION,
    client: { id: "gateway-client", displayName: "openclaw-groupchat bridge", version: o.clientVersion, platform: process.platform, mode: "backend" },
    role: "operator",
    scopes: o.admin === false ? ["operator.read", "operator.write"] : ["operator.read", "operator.write", "operator.admin"],
    caps: ["tool-events"],
    ...(o.token ? { auth: { token: o.token } } : {}),
  };
}

const HelloOk = Type.Object({
  type: Type.Literal("hello-ok"),
  protocol: Type.Number(),
  server: Type.Object({ version: Type.String(), bootId: Type.Optional(Type.String()) }),
  /** Limits of this connection (older gateways send fewer or none). */
  policy: Type.Optional(Type.Object({
    maxPayload: Type.Optional(Type.Number()),
    attachments: Type.Optional(Type.Object({ maxBytes: Type.Optional(Type.Number()), maxImageBytes: Type.Optional(Type.Number()) })),
  })),
});
export type HelloOk = Static<typeof HelloOk>;

export function parseHello(payload: unknown): HelloOk {
  if (!is(HelloOk, payload)) throw new FrameError("connect answered without hello-ok");
  return payload;
}

// --- agent runs -------------------------------------------------------------

const Usage = Type.Object({
  input: Type.Optional(Type.Number()),
  output: Type.Optional(Type.Number()),
  total: Type.Optional(Type.Number()),
  cost: Type.Optional(Type.Object({ total: Type.Optional(Type.Number()) })),
});

const AgentResult = Type.Object({
  runId: Type.String(),
  status: Type.String(),
  summary: Type.Optional(Type.String()),
  stopReason: Type.Optional(Type.String()),
  /** Where a turn that ran out of time was (queue, provider…): OpenClaw's own limit, not an abort. */
  timeoutPhase: Type.Optional(Type.String()),
  error: Type.Optional(Type.Unknown()),
  result: Type.Optional(Type.Object({
    /** `isError`: OpenClaw's own notice of a failed turn (e.g. "⚠️ Agent couldn't generate a response…"), not the model's. */
    payloads: Type.Optional(Type.Array(Type.Object({ text: Type.Optional(Type.Union([Type.String(), Type.Null()])), isError: Type.Optional(Type.Boolean()) }))),
    meta: Type.Optional(Type.Object({
      stopReason: Type.Optional(Type.String()),
      agentMeta: Type.Optional(Type.Object({
        usage: Type.Optional(Usage),
        costUsd: Type.Optional(Type.Number()),
        /** The session the turn ran in (a reset under the same key gives a new one). */
        sessionId: Type.Optional(Type.String()),
        /** Each model call that failed and why (`code` "incomplete_result": the model's answer had no text). */
        fallbackAttempts: Type.Optional(Type.Array(Type.Object({ error: Type.Optional(Type.String()), code: Type.Optional(Type.String()) }))),
      })),
      finalAssistantVisibleText: Type.Optional(Type.String()),
    })),
  })),
});
/** An `agent` request's answer: first `accepted` (or `in_flight` for a known key), then the final one. */
export type AgentResult = Static<typeof AgentResult>;

export function parseAgentResult(payload: unknown): AgentResult {
  if (!is(AgentResult, payload)) throw new FrameError(`unexpected agent answer ${JSON.stringify(payload).slice(0, 200)}`);
  return payload;
}

/** A final answer's visible text (the payloads joined), or "" when it has none. */
export function resultText(result: AgentResult): string {
  const payloads = result.result?.payloads ?? [];
  const text = payloads.map((p) => p.text ?? "").filter(Boolean).join("\n\n");
  return text || result.result?.meta?.finalAssistantVisibleText || "";
}

/** What OpenClaw said of a failed turn in its own notices (without their warning sign), or "" when it said nothing. */
export function resultNotice(result: AgentResult): string {
  const notices = (result.result?.payloads ?? []).filter((p) => p.isError && p.text).map((p) => p.text!.replace(/^\s*⚠️?\s*/u, ""));
  return notices.join("\n");
}

/** The model answered with no text (nothing, or white space only), and OpenClaw gave the turn up. */
export function answeredNothing(result: AgentResult): boolean {
  return (result.result?.meta?.agentMeta?.fallbackAttempts ?? []).some((attempt) => attempt.code === "incomplete_result");
}

/** OpenClaw's reported cost of a turn in USD, when it reported one. */
export function resultCostUsd(result: AgentResult): number | undefined {
  const meta = result.result?.meta?.agentMeta;
  const cost = meta?.costUsd ?? meta?.usage?.cost?.total;
  return typeof cost === "number" && Number.isFinite(cost) && cost >= 0 ? cost : undefined;
}

const SessionCreated = Type.Object({ sessionId: Type.String({ minLength: 1 }) });

/** The session id in a `sessions.create` answer, or null when it names none (an older gateway). */
export function sessionIdOf(payload: unknown): string | null {
  return is(SessionCreated, payload) ? payload.sessionId : null;
}

export const AgentEvent = Type.Object({
  runId: Type.String(),
  stream: Type.String(),
  data: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  seq: Type.Optional(Type.Number()),
  sessionKey: Type.Optional(Type.String()),
});
/** An `agent` event: `stream` is lifecycle | assistant | tool | item | command_output | usage | … */
export type AgentEvent = Static<typeof AgentEvent>;

export function parseAgentEvent(payload: unknown): AgentEvent | null {
  return is(AgentEvent, payload) ? payload : null;
}

const AgentWait = Type.Object({
  runId: Type.String(),
  status: Type.String(),
  error: Type.Optional(Type.String()),
  terminalReply: Type.Optional(Type.Object({ text: Type.Optional(Type.String()) })),
});
/** `agent.wait`'s answer: ok | error | timeout | pending. */
export type AgentWait = Static<typeof AgentWait>;

export function parseAgentWait(payload: unknown): AgentWait {
  if (!is(AgentWait, payload)) throw new FrameError(`unexpected agent.wait answer ${JSON.stringify(payload).slice(0, 200)}`);
  return payload;
}

// --- what OpenClaw recorded of a turn (read back after a restart) ------------

const TaskRecord = Type.Object({
  runId: Type.Optional(Type.String()),
  /** queued | running | completed | failed | timed_out | cancelled */
  status: Type.String(),
  error: Type.Optional(Type.String()),
  terminalSummary: Type.Optional(Type.String()),
});
const TaskList = Type.Object({ tasks: Type.Array(TaskRecord), nextCursor: Type.Optional(Type.String()) });
/** A page of `tasks.list`: OpenClaw's persisted ledger of turns, one record per turn (by its run id). */
export type TaskList = Static<typeof TaskList>;
export type TaskRecord = Static<typeof TaskRecord>;

export function parseTaskList(payload: unknown): TaskList {
  if (!is(TaskList, payload)) throw new FrameError(`unexpected tasks.list answer ${JSON.stringify(payload).slice(0, 200)}`);
  return payload;
}

const TranscriptMessage = Type.Object({
  role: Type.String(),
  content: Type.Optional(Type.Unknown()),
  /** On the turn's own message: `<turn's run id>:user`. */
  idempotencyKey: Type.Optional(Type.String()),
  stopReason: Type.Optional(Type.String()),
  errorMessage: Type.Optional(Type.String()),
  usage: Type.Optional(Usage),
  __openclaw: Type.Optional(Type.Object({ runId: Type.Optional(Type.String()) })),
});
const ChatHistory = Type.Object({
  messages: Type.Array(TranscriptMessage),
  sessionInfo: Type.Optional(Type.Object({ hasActiveRun: Type.Optional(Type.Boolean()) })),
});
/** `chat.history`: a session's transcript; an assistant message names the turn it belongs to (`__openclaw.runId`). */
export type ChatHistory = Static<typeof ChatHistory>;
export type TranscriptMessage = Static<typeof TranscriptMessage>;

export function parseChatHistory(payload: unknown): ChatHistory {
  if (!is(ChatHistory, payload)) throw new FrameError(`unexpected chat.history answer ${JSON.stringify(payload).slice(0, 200)}`);
  return payload;
}
