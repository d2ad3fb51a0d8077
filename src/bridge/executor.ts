/**
 * The OpenClaw executor: one GroupChat run = one OpenClaw turn, driven over the
 * Gateway protocol. The turn's idempotency key is fixed per run, so after a
 * dropped connection, or a restart of the bridge, sending it again finds the
 * same turn (`in_flight`: wait for it; finished: its answer comes back) instead
 * of starting another. A turn whose gateway restarted meanwhile (a new boot id)
 * is lost. A stop aborts the turn at once with `chat.abort`.
 *
 * Before a run's turn starts, the task's session is created (or adopted: the
 * same key keeps its conversation) with `sessions.create` and the task's own
 * directory as its `cwd`, so OpenClaw's tools run there (`agent` itself rejects
 * `cwd`). A gateway that refuses that only costs the cwd: the turn goes ahead,
 * the directory is still named in the prompt.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Clock } from "../sdk/clock.ts";
import type { AgentRunDetail, Executor, ExecutorResult } from "../sdk/index.ts";
import { ProgressCoalescer } from "./coalescer.ts";
import { extraSystemPrompt, sessionKeyFor, taskIdOf, turnKeyFor, turnMessage, workdirName, type ContextLimits } from "./context.ts";
import { TurnError, turnFailure } from "./failure.ts";
import { GatewayError, type GatewayClient } from "./gateway/client.ts";
import { parseAgentEvent, parseAgentResult, parseAgentWait, resultCostUsd, resultText, type AgentResult } from "./gateway/frames.ts";
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
  model?: string;
  thinking?: string;
  context?: ContextLimits;
  log?: (level: "info" | "warn" | "error", message: string, fields?: Record<string, unknown>) => void;
}

const WAIT_SLICE_MS = 30_000;

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
    const onAbort = () => {
      progress.cancel();
      void abortTurn(o.gateway, sessionKey, turnKey).catch((error: unknown) => o.log?.("warn", "could not abort the OpenClaw turn", { runId: run.id, error: String(error) }));
    };
    ctx.signal.addEventListener("abort", onAbort, { once: true });
    try {
      const params = agentParams(run, o, { agentId, sessionKey, turnKey, workdir });
      const result = await driveTurn(o, run.id, params, ctx.signal);
      progress.flush();
      return toExecutorResult(result, ctx.signal, o.turnTimeoutSeconds);
    } finally {
      ctx.signal.removeEventListener("abort", onAbort);
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

/** Sends the turn (or finds it again) until its final answer; survives dropped connections. */
async function driveTurn(o: OpenClawExecutorOptions, runId: string, params: Record<string, unknown>, signal: AbortSignal): Promise<AgentResult> {
  const turnKey = String(params.idempotencyKey);
  for (;;) {
    await ready(o, signal);
    const bootId = o.gateway.bootId;
    const known = o.turns.turnOf(runId);
    // Same key, other gateway process: that process took the turn with it.
    if (known && known.bootId !== bootId) throw new TurnError("lost", `the gateway restarted (boot ${known.bootId} → ${bootId})`);
    if (!known) o.turns.turnStarted(runId, bootId);
    try {
      const first = parseAgentResult(await o.gateway.request("agent", params, {
        signal,
        isFinal: (payload) => (payload as { status?: unknown })?.status !== "accepted",
      }));
      if (first.status !== "in_flight") return first;
      // Re-sent while the turn still runs: wait for it, then send again for its answer (served from the gateway's cache).
      await waitForTurn(o, turnKey, signal);
    } catch (error) {
      if (error instanceof GatewayError && error.code === "disconnected" && !signal.aborted) {
        o.log?.("warn", "gateway connection dropped during a turn; resuming it", { runId });
        continue;
      }
      throw error;
    }
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
