/**
 * The OpenClaw executor: one GroupChat run = one OpenClaw turn, driven over the
 * Gateway protocol. The turn's idempotency key is fixed per run. After a
 * dropped connection, or a restart of the bridge, the executor asks OpenClaw
 * what became of the turn before it sends anything again: an ended turn is
 * reported from OpenClaw's records, a running one is waited for. A turn still
 * running when its gateway restarted (a new boot id) is lost. A stop aborts the
 * turn at once with `chat.abort`; so does the bridge's own deadline for a turn
 * whose gateway never answers.
 *
 * Before a run's turn starts, the task's session is created (or adopted: the
 * same key keeps its conversation) with `sessions.create` and the task's own
 * directory as its `cwd`, so OpenClaw's tools run there (`agent` itself rejects
 * `cwd`). A gateway that refuses that only costs the cwd: the turn goes ahead,
 * the directory is still named in the prompt.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { sleep, type Clock } from "../sdk/clock.ts";
import type { AgentRunDetail, Executor, ExecutorResult } from "../sdk/index.ts";
import { ProgressCoalescer } from "./coalescer.ts";
import { extraSystemPrompt, sessionKeyFor, taskIdOf, turnKeyFor, turnMessage, workdirName, type ContextLimits } from "./context.ts";
import { TurnError, turnFailure } from "./failure.ts";
import { GatewayError, type GatewayClient } from "./gateway/client.ts";
import { parseAgentEvent, parseAgentResult, parseAgentWait, parseChatHistory, parseTaskList, resultCostUsd, resultText, type AgentResult, type TaskRecord } from "./gateway/frames.ts";
import { recordedTurn, type RecordedTurn } from "./recorded-turn.ts";
import { progressLine } from "./progress.ts";

/** Where the executor notes which gateway boot a run's turn started on (the bridge's state file). */
export interface TurnStore {
  turnOf(runId: string): { bootId: string | null } | null;
  turnStarted(runId: string, bootId: string | null): void;
}

export interface OpenClawExecutorOptions {
  gateway: Pick<GatewayClient, "ready" | "request" | "onEvent" | "bootId">;
  turns: TurnStore;
  clock: Clock;
  /** OpenClaw agent id. Default "main". */
  agentId?: string;
  /** Each task's working directory goes under this. */
  workRoot: string;
  /** OpenClaw's own limit for one turn, always passed. */
  turnTimeoutSeconds: number;
  progressIntervalMs: number;
  /** How long a turn waits for an unreachable gateway before it fails. Default 180 s. */
  gatewayWaitMs?: number;
  /** How long past `turnTimeoutSeconds` the bridge waits for OpenClaw's own answer before it aborts the turn itself. Default 120 s. */
  deadlineGraceMs?: number;
  model?: string;
  thinking?: string;
  context?: ContextLimits;
  log?: (level: "info" | "warn" | "error", message: string, fields?: Record<string, unknown>) => void;
}

const WAIT_SLICE_MS = 30_000;
const DEADLINE_GRACE_MS = 120_000;
const SETTLE_MS = 250;

export function createOpenClawExecutor(o: OpenClawExecutorOptions): Executor {
  const agentId = o.agentId ?? "main";
  return async (run, ctx) => {
    const taskId = taskIdOf(run);
    const sessionKey = sessionKeyFor(taskId, agentId);
    const turnKey = turnKeyFor(run.id);
    const workdir = join(o.workRoot, workdirName(taskId));
    mkdirSync(workdir, { recursive: true });
    // Not when resuming a turn already sent (after a drop or a restart): its session exists.
    if (!o.turns.turnOf(run.id)) await ensureSession(o, run.id, sessionKey, workdir, ctx.signal);

    const progress = new ProgressCoalescer({ intervalMs: o.progressIntervalMs, clock: o.clock, post: ctx.progress });
    const unsubscribe = o.gateway.onEvent((frame) => {
      if (frame.event !== "agent") return;
      const event = parseAgentEvent(frame.payload);
      if (event?.runId !== turnKey) return;
      const line = progressLine(event);
      if (line) progress.push(line);
    });
    // OpenClaw enforces the turn's time limit itself; this one is for a gateway that never answers at all.
    const deadline = new AbortController();
    const cancelDeadline = o.clock.setTimeout(() => deadline.abort(), o.turnTimeoutSeconds * 1000 + (o.deadlineGraceMs ?? DEADLINE_GRACE_MS));
    const signal = AbortSignal.any([ctx.signal, deadline.signal]);
    const onAbort = () => {
      if (ctx.signal.aborted) progress.cancel();
      void abortTurn(o.gateway, sessionKey, turnKey).catch((error: unknown) => o.log?.("warn", "could not abort the OpenClaw turn", { runId: run.id, error: String(error) }));
    };
    signal.addEventListener("abort", onAbort, { once: true });
    try {
      const params = agentParams(run, o, { agentId, sessionKey, turnKey, workdir });
      const result = await driveTurn(o, run.id, params, signal).catch((error: unknown) => {
        if (deadline.signal.aborted && !ctx.signal.aborted) {
          throw new TurnError("timeout", `OpenClaw did not end the turn within ${o.turnTimeoutSeconds} s and the bridge's grace`, { cause: error });
        }
        throw error;
      });
      progress.flush();
      return toExecutorResult(result, ctx.signal, o.turnTimeoutSeconds);
    } finally {
      cancelDeadline();
      signal.removeEventListener("abort", onAbort);
      unsubscribe();
      // A turn that failed still reports what it got to (its last lines often say why), before its error.
      if (ctx.signal.aborted) progress.cancel();
      else progress.flush();
    }
  };
}

function agentParams(run: AgentRunDetail, o: OpenClawExecutorOptions, k: { agentId: string; sessionKey: string; turnKey: string; workdir: string }): Record<string, unknown> {
  return {
    message: turnMessage(run),
    idempotencyKey: k.turnKey,
    agentId: k.agentId,
    sessionKey: k.sessionKey,
    extraSystemPrompt: extraSystemPrompt(run, k.workdir, o.context),
    timeout: o.turnTimeoutSeconds,
    label: `GroupChat: ${(run.task.title ?? run.taskTitle).slice(0, 60)}`,
    ...(o.model ? { model: o.model } : {}),
    ...(o.thinking ? { thinking: o.thinking } : {}),
  };
}

/**
 * Sends the turn, or finds it again, until its final answer; survives dropped
 * connections. A turn sent before (a drop, a restart of the bridge) is first
 * looked up in what OpenClaw recorded (recorded-turn.ts): an ended one is
 * reported from there, never sent again; a running one is waited for, then
 * looked up again.
 */
async function driveTurn(o: OpenClawExecutorOptions, runId: string, params: Record<string, unknown>, signal: AbortSignal): Promise<AgentResult> {
  const turnKey = String(params.idempotencyKey);
  const sessionKey = String(params.sessionKey);
  let waited = false;
  for (;;) {
    await ready(o, signal);
    const bootId = o.gateway.bootId;
    const known = o.turns.turnOf(runId);
    try {
      if (known) {
        const found = await findTurn(o, runId, sessionKey, turnKey, signal);
        if (found?.state === "ended") return found.result;
        if (known.bootId !== bootId && found?.state !== "unsent") {
          // Same key, other gateway process: that process took the turn with it.
          throw new TurnError("lost", `the gateway restarted (boot ${known.bootId} → ${bootId})`);
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
      if (known?.bootId !== bootId) o.turns.turnStarted(runId, bootId);
      const first = parseAgentResult(await o.gateway.request("agent", params, {
        signal,
        isFinal: (payload) => (payload as { status?: unknown })?.status !== "accepted",
      }));
      if (first.status !== "in_flight") return first;
      // Sent again while the turn still runs (one OpenClaw had queued): wait for it, then look it up.
      await waitForTurn(o, turnKey, signal);
      waited = true;
    } catch (error) {
      if (error instanceof GatewayError && error.code === "disconnected" && !signal.aborted) {
        o.log?.("warn", "gateway connection dropped during a turn; resuming it", { runId });
        continue;
      }
      throw error;
    }
  }
}

const TASK_PAGES = 10;

/**
 * What OpenClaw recorded of a turn sent before. Null when this gateway cannot
 * tell (no task ledger, an answer we do not read): the caller sends the turn
 * again under its key, as it did before the ledger existed.
 */
async function findTurn(o: OpenClawExecutorOptions, runId: string, sessionKey: string, turnKey: string, signal: AbortSignal): Promise<RecordedTurn | null> {
  try {
    let record: TaskRecord | undefined;
    let cursor: string | undefined;
    for (let page = 0; page < TASK_PAGES && !record; page++) {
      const list = parseTaskList(await o.gateway.request("tasks.list", { sessionKey, limit: 100, ...(cursor ? { cursor } : {}) }, { signal, timeoutMs: 15_000 }));
      record = list.tasks.find((t) => t.runId === turnKey);
      cursor = list.nextCursor;
      if (!cursor) break;
    }
    const history = record?.status === "completed"
      ? parseChatHistory(await o.gateway.request("chat.history", { sessionKey, limit: 1000, maxChars: 500_000 }, { signal, timeoutMs: 15_000 }))
      : undefined;
    const found = recordedTurn(turnKey, record, history);
    o.log?.("info", "looked up a turn sent before", { runId, turn: found.state, ...(record ? { recorded: record.status } : {}) });
    return found;
  } catch (error) {
    if (signal.aborted || (error instanceof GatewayError && error.code === "disconnected")) throw error;
    o.log?.("warn", "could not look up what OpenClaw recorded of the turn; sending it again under its key", { runId, error: error instanceof Error ? error.message : String(error) });
    return null;
  }
}

/**
 * Creates the task's session with its working directory, or adopts the existing
 * one (the gateway keeps its conversation). Any refusal (an older gateway
 * without the method, a missing scope, a cwd it will not take) falls back to
 * the agent's default directory, with a warning.
 */
async function ensureSession(o: Pick<OpenClawExecutorOptions, "gateway" | "clock" | "gatewayWaitMs" | "log">, runId: string, sessionKey: string, cwd: string, signal: AbortSignal): Promise<boolean> {
  await ready(o, signal);
  try {
    await o.gateway.request("sessions.create", { key: sessionKey, cwd }, { signal, timeoutMs: 15_000 });
    return true;
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    o.log?.("warn", "the gateway did not create the task's session with its working directory; the turn runs in the agent's default directory", {
      runId, sessionKey, cwd, error: error instanceof Error ? error.message : String(error),
    });
    return false;
  }
}

/** Waits for the gateway, but not forever: a run cannot sit RUNNING while OpenClaw is down for good. */
async function ready(o: Pick<OpenClawExecutorOptions, "gateway" | "clock" | "gatewayWaitMs">, signal: AbortSignal): Promise<void> {
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

async function waitForTurn(o: OpenClawExecutorOptions, turnKey: string, signal: AbortSignal): Promise<void> {
  for (;;) {
    const wait = parseAgentWait(await o.gateway.request("agent.wait", { runId: turnKey, timeoutMs: WAIT_SLICE_MS }, { signal, timeoutMs: WAIT_SLICE_MS + 10_000 }));
    if (wait.status !== "timeout" && wait.status !== "pending") return;
  }
}

function toExecutorResult(result: AgentResult, signal: AbortSignal, timeoutSeconds: number): ExecutorResult {
  if (signal.aborted) throw signal.reason;
  const costUsd = resultCostUsd(result);
  if (result.status === "ok") {
    const text = resultText(result);
    return { summary: text || "Done (OpenClaw gave no written answer).", ...(costUsd !== undefined ? { stepCostUsd: costUsd } : {}) };
  }
  if (result.status === "timeout" && result.summary !== "aborted") {
    throw new TurnError("timeout", `the turn exceeded ${timeoutSeconds} s`);
  }
  if (result.summary === "aborted") throw new TurnError("failed", `the turn was aborted inside OpenClaw (${result.stopReason ?? "no reason given"})`);
  const detail = typeof result.error === "string" ? result.error : result.error ? JSON.stringify(result.error) : result.summary ?? result.status;
  throw turnFailure(detail);
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
