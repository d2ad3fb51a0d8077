/**
 * The OpenClaw executor: one GroupChat run = one OpenClaw turn, driven over the
 * Gateway protocol (turn.ts sends it, finds it again after a drop or a
 * restart, and aborts it). A stop aborts the turn at once with `chat.abort`;
 * so does the bridge's own deadline for a turn whose gateway never answers.
 * What the turn answered becomes the run's result, or a typed failure.
 *
 * Before a run's turn starts, the task's session is created (or adopted: the
 * same key keeps its conversation) with `sessions.create` and the task's own
 * directory as its `cwd`, so OpenClaw's tools run there (`agent` itself rejects
 * `cwd`). A gateway that refuses that only costs the cwd: the turn goes ahead,
 * the directory is still named in the prompt.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { AgentRunDetail, Executor, ExecutorResult } from "../sdk/index.ts";
import { ProgressCoalescer } from "./coalescer.ts";
import { extraSystemPrompt, sessionKeyFor, taskIdOf, turnKeyFor, turnMessage, workdirName, type ContextLimits } from "./context.ts";
import { TurnError, turnFailure } from "./failure.ts";
import type { GatewayClient } from "./gateway/client.ts";
import { parseAgentEvent, resultCostUsd, resultText, type AgentResult } from "./gateway/frames.ts";
import { progressLine } from "./progress.ts";
import { abortTurn, driveTurn, ensureSession, type TurnOptions } from "./turn.ts";

export interface OpenClawExecutorOptions extends TurnOptions {
  gateway: TurnOptions["gateway"] & Pick<GatewayClient, "onEvent">;
  /** OpenClaw agent id. Default "main". */
  agentId?: string;
  /** Each task's working directory goes under this. */
  workRoot: string;
  /** OpenClaw's own limit for one turn, always passed. */
  turnTimeoutSeconds: number;
  progressIntervalMs: number;
  /** How long past `turnTimeoutSeconds` the bridge waits for OpenClaw's own answer before it aborts the turn itself. Default 120 s. */
  deadlineGraceMs?: number;
  model?: string;
  thinking?: string;
  context?: ContextLimits;
}

const DEADLINE_GRACE_MS = 120_000;

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
      // `session.tool`: the tool events of a turn this connection did not send (one resumed after a restart).
      if (frame.event !== "agent" && frame.event !== "session.tool") return;
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
