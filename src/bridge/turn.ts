/**
 * One OpenClaw turn over the Gateway protocol: sent once under its idempotency
 * key (one per run), found again after a dropped connection or a restart of the
 * bridge, waited for, aborted. Before sending anything again the turn is looked
 * up in what OpenClaw recorded (recorded-turn.ts): an ended turn is reported
 * from there, a running one is waited for, and only one OpenClaw never took is
 * sent. A turn still running when its gateway restarted (a new boot id) is
 * lost. Passing failures (a drop, a busy or starting gateway, a slow answer)
 * are retried a bounded number of times.
 */
import { sleep, type Clock } from "../sdk/clock.ts";
import { backoffDelay } from "../sdk/retry.ts";
import { TurnError } from "./failure.ts";
import { GatewayError, type GatewayClient } from "./gateway/client.ts";
import { parseAgentResult, parseAgentWait, parseChatHistory, parseTaskList, sessionIdOf, type AgentResult, type TaskRecord } from "./gateway/frames.ts";
import { recordedTurn, turnCostUsd, type RecordedTurn } from "./recorded-turn.ts";

/** Where the executor notes which gateway boot a run's turn started on (the bridge's state file). */
export interface TurnStore {
  turnOf(runId: string): SentTurn | null;
  turnStarted(runId: string, bootId: string | null, sessionKey: string): void;
}

/** A turn sent for a run: the gateway boot it went to, and its session (null: recorded by an older bridge). */
export interface SentTurn {
  bootId: string | null;
  sessionKey: string | null;
}

export interface TurnOptions {
  gateway: Pick<GatewayClient, "ready" | "request" | "bootId">;
  turns: TurnStore;
  clock: Clock;
  /** How long a turn waits for an unreachable gateway before it fails. Default 180 s. */
  gatewayWaitMs?: number;
  log?: (level: "info" | "warn" | "error", message: string, fields?: Record<string, unknown>) => void;
}

const WAIT_SLICE_MS = 30_000;
const SETTLE_MS = 250;
const TASK_PAGES = 10;
const GATEWAY_BACKOFF = { baseDelayMs: 500, maxDelayMs: 15_000 };
/** Transient failures one turn sits out before it fails (a dropped connection is not counted: `ready` bounds it). */
const TURN_RETRIES = 8;
const SESSION_RETRIES = 3;

/**
 * Sends the turn, or finds it again, until its final answer; survives dropped
 * connections. A turn sent before (a drop, a restart of the bridge) is first
 * looked up in what OpenClaw recorded (recorded-turn.ts): an ended one is
 * reported from there, never sent again; a running one is waited for, then
 * looked up again.
 */
export async function driveTurn(
  o: TurnOptions, runId: string, params: Record<string, unknown>, signal: AbortSignal,
  hooks: { attachmentsRefused?(why: string): void; accepted?(): void } = {},
): Promise<AgentResult> {
  const turnKey = String(params.idempotencyKey);
  const sessionKey = String(params.sessionKey);
  const request = { ...params };
  let waited = false;
  let following = false;
  let retries = 0;
  /** The gateway refused the last request outright: nothing ran, so there is nothing to look up. */
  let refused = false;
  for (;;) {
    await ready(o, signal);
    const bootId = o.gateway.bootId;
    const known = o.turns.turnOf(runId);
    try {
      if (known && !refused) {
        // Before the lookup, so no tool call of a turn still going falls between the two.
        if (!following) following = await followTools(o, runId, signal);
        const found = await findTurn(o, runId, sessionKey, turnKey, signal);
        if (found?.state === "ended") {
          // A restarted gateway records the turns its old process held as cancelled: work lost to the restart.
          if (known.bootId !== bootId && found.result.summary === "aborted") throw lostTo(known.bootId, bootId);
          return found.result;
        }
        if (known.bootId !== bootId && found?.state !== "unsent") {
          // Same key, other gateway process: that process took the turn with it.
          throw lostTo(known.bootId, bootId);
        }
        if (found?.state === "running") {
          // OpenClaw's ledger trails agent.wait by a moment: a turn still "running" just after a wait gets a pause.
          if (waited) await sleep(o.clock, SETTLE_MS, signal);
          await waitForTurn(o, turnKey, signal);
          waited = true;
          continue;
        }
        // OpenClaw has no record of it, or cannot tell: send it under its key.
      }
      refused = false;
      if (known?.bootId !== bootId) o.turns.turnStarted(runId, bootId, sessionKey);
      const first = parseAgentResult(await o.gateway.request("agent", request, {
        signal,
        isFinal: (payload) => (payload as { status?: unknown })?.status !== "accepted",
        onInterim: () => hooks.accepted?.(),
      }));
      if (first.status !== "in_flight") return first;
      // Sent again while the turn still runs (one OpenClaw had queued): wait for it, then look it up.
      await waitForTurn(o, turnKey, signal);
      waited = true;
    } catch (error) {
      if (!signal.aborted && request.attachments && attachmentsRefused(error)) {
        // A model that takes no images refuses the whole request (nothing ran): the turn goes without them, same key.
        delete request.attachments;
        hooks.attachmentsRefused?.(error.shape?.message ?? error.message);
        refused = true;
        continue;
      }
      if (signal.aborted || !isTransient(error)) throw error;
      if (error.code === "disconnected") {
        o.log?.("warn", "gateway connection dropped during a turn; resuming it", { runId });
        following = false; // the subscription went with the connection
        continue;
      }
      // Busy, still starting, or slow to answer: try again (the turn is looked up first, so it is never doubled).
      if (retries >= TURN_RETRIES) throw error;
      const delayMs = retryDelay(error, retries++);
      o.log?.("warn", "the gateway could not take the request yet; trying again", { runId, delayMs, error: error.message });
      await sleep(o.clock, delayMs, signal);
    }
  }
}

const lostTo = (before: string | null, now: string | null) => new TurnError("lost", `the gateway restarted (boot ${before} → ${now})`);

/**
 * What OpenClaw recorded of a turn sent before. Null when this gateway cannot
 * tell (no task ledger, an answer we do not read): the caller sends the turn
 * again under its key, as it did before the ledger existed.
 */
async function findTurn(o: TurnOptions, runId: string, sessionKey: string, turnKey: string, signal: AbortSignal): Promise<RecordedTurn | null> {
  try {
    let record: TaskRecord | undefined;
    let cursor: string | undefined;
    for (let page = 0; page < TASK_PAGES && !record; page++) {
      const list = parseTaskList(await o.gateway.request("tasks.list", { sessionKey, limit: 100, ...(cursor ? { cursor } : {}) }, { signal, timeoutMs: 15_000 }));
      record = list.tasks.find((t) => t.runId === turnKey);
      cursor = list.nextCursor;
      if (!cursor) break;
    }
    const history = !record || record.status === "completed"
      ? parseChatHistory(await o.gateway.request("chat.history", { sessionKey, limit: 1000, maxChars: 500_000 }, { signal, timeoutMs: 15_000 }))
      : undefined;
    const found = recordedTurn(turnKey, record, history);
    o.log?.("info", "looked up a turn sent before", { runId, turn: found.state, ...(record ? { recorded: record.status } : {}) });
    return found;
  } catch (error) {
    // Only a refusal or an answer we cannot read means "cannot tell"; anything passing is retried by the caller.
    if (signal.aborted || isTransient(error)) throw error;
    o.log?.("warn", "could not look up what OpenClaw recorded of the turn; sending it again under its key", { runId, error: error instanceof Error ? error.message : String(error) });
    return null;
  }
}

/**
 * What a turn spent so far, from the session's transcript, where OpenClaw records each model call's usage as it
 * ends: a failed turn's answer (an error, its own time limit, an abort, a restart) often carries no usage. Undefined when
 * the transcript tells none, or cannot be read.
 */
export async function turnSpent(o: Pick<TurnOptions, "gateway" | "log">, runId: string, sessionKey: string, turnKey: string): Promise<number | undefined> {
  try {
    return turnCostUsd(turnKey, parseChatHistory(await o.gateway.request("chat.history", { sessionKey, limit: 1000, maxChars: 500_000 }, { timeoutMs: 10_000 })));
  } catch (error) {
    o.log?.("warn", "could not read what the failed turn cost; its run ends without a cost", { runId, error: error instanceof Error ? error.message : String(error) });
    return undefined;
  }
}

/**
 * Creates the task's session with its working directory, or adopts the existing
 * one (the gateway keeps its conversation). Any refusal (an older gateway
 * without the method, a missing scope, a cwd it will not take) falls back to
 * the agent's default directory, with a warning. Returns the session's id
 * (a new session under the same key gets a new one), or null when not told.
 */
export async function ensureSession(o: TurnOptions, runId: string, sessionKey: string, cwd: string, signal: AbortSignal): Promise<string | null> {
  for (let retry = 0; ; retry++) {
    await ready(o, signal);
    try {
      return sessionIdOf(await o.gateway.request("sessions.create", { key: sessionKey, cwd }, { signal, timeoutMs: 15_000 }));
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      // A busy or reconnecting gateway is asked again (creating adopts a session made meanwhile); a refusal is an answer.
      if (isTransient(error) && retry < SESSION_RETRIES) {
        await sleep(o.clock, retryDelay(error, retry), signal);
        continue;
      }
      o.log?.("warn", "the gateway did not create the task's session with its working directory; the turn runs in the agent's default directory", {
        runId, sessionKey, cwd, error: error instanceof Error ? error.message : String(error),
      });
      return null;
    }
  }
}

/** The gateway refused the request for its attachments (the model takes no images, or one is too big): it ran nothing. */
const attachmentsRefused = (error: unknown): error is GatewayError =>
  error instanceof GatewayError && error.code === "rejected" && error.shape?.code === "INVALID_REQUEST" && /attachment/i.test(error.shape.message ?? "");

/** A failure worth another try: a dropped connection, a request the gateway did not answer in time, or one it asked to retry. */
const isTransient = (error: unknown): error is GatewayError => error instanceof GatewayError && (error.retryable || error.code === "timeout");

/** How long to wait before trying again: what the gateway asked for, else a capped backoff. */
function retryDelay(error: GatewayError, retry: number): number {
  const asked = error.shape?.retryAfterMs;
  return typeof asked === "number" && Number.isFinite(asked) && asked >= 0 ? Math.min(asked, GATEWAY_BACKOFF.maxDelayMs) : backoffDelay(retry, GATEWAY_BACKOFF);
}

/** Waits for the gateway, but not forever: a run cannot sit RUNNING while OpenClaw is down for good. */
async function ready(o: Pick<TurnOptions, "gateway" | "clock" | "gatewayWaitMs">, signal: AbortSignal): Promise<void> {
  if (signal.aborted) throw signal.reason;
  const timer = new AbortController();
  const cancel = o.clock.setTimeout(() => timer.abort(), o.gatewayWaitMs ?? 180_000);
  const onAbort = () => timer.abort();
  signal.addEventListener("abort", onAbort, { once: true });
  try {
    await o.gateway.ready(timer.signal);
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    throw new TurnError("gateway", "the OpenClaw gateway did not answer in time", { cause: error });
  } finally {
    cancel();
    signal.removeEventListener("abort", onAbort);
  }
}

/**
 * A turn sent on another connection (before a restart or a drop) sends its tool
 * events there; this connection gets them as `session.tool` once it subscribes
 * to session events, so the progress comments go on. Best effort.
 */
async function followTools(o: TurnOptions, runId: string, signal: AbortSignal): Promise<boolean> {
  try {
    await o.gateway.request("sessions.subscribe", {}, { signal, timeoutMs: 15_000 });
    return true;
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    if (error instanceof GatewayError && error.code === "disconnected") throw error;
    o.log?.("warn", "could not follow the resumed turn's tool calls; its progress comments stop until it ends", { runId, error: error instanceof Error ? error.message : String(error) });
    return true; // refused: asking again would not help
  }
}

async function waitForTurn(o: TurnOptions, turnKey: string, signal: AbortSignal): Promise<void> {
  for (;;) {
    const wait = parseAgentWait(await o.gateway.request("agent.wait", { runId: turnKey, timeoutMs: WAIT_SLICE_MS }, { signal, timeoutMs: WAIT_SLICE_MS + 10_000 }));
    if (wait.status !== "timeout" && wait.status !== "pending") return;
  }
}

/**
 * Aborts the turn: `chat.abort` by session and run, falling back to `sessions.abort`.
 * While the gateway is down it waits for it to come back (up to `withinMs`): a stop
 * must not be lost to a reconnect, or the turn would run its tools on for nothing.
 */
export async function abortTurn(
  gateway: Pick<GatewayClient, "request" | "ready">, sessionKey: string, turnKey: string, withinMs = 120_000,
): Promise<void> {
  const deadline = AbortSignal.timeout(withinMs);
  for (;;) {
    await gateway.ready(deadline);
    try {
      await gateway.request("chat.abort", { sessionKey, runId: turnKey }, { timeoutMs: 5_000 });
      return;
    } catch (error) {
      if (isDisconnected(error)) continue;
    }
    try {
      await gateway.request("sessions.abort", { key: sessionKey, runId: turnKey, clearQueued: true }, { timeoutMs: 5_000 });
      return;
    } catch (error) {
      if (!isDisconnected(error)) throw error;
    }
  }
}

const isDisconnected = (error: unknown) => error instanceof GatewayError && error.code === "disconnected";
