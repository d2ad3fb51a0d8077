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
 *
 * A new turn carries the task's images its session was not given before
 * (attachments.ts), so a model that takes images sees them; one that takes
 * none refuses them, and the turn goes on with their links alone. A session
 * is told by its id: a new one under the task's key (OpenClaw pruned or reset
 * the old one) is given them again.
 */
import { join } from "node:path";
import { makeDirs } from "../hub/make-dir.ts";
import { clip } from "../sdk/clip.ts";
import type { AgentRunDetail, Executor, ExecutorContext, ExecutorResult } from "../sdk/index.ts";
import { fetchAttachments, type AttachmentLimits } from "./attachments.ts";
import { ProgressCoalescer } from "./coalescer.ts";
import { extraSystemPrompt, sessionKeyFor, taskIdOf, turnKeyFor, turnMessage, workdirName, type ContextLimits } from "./context.ts";
import { TurnError, turnFailure } from "./failure.ts";
import type { GatewayClient } from "./gateway/client.ts";
import { answeredNothing, parseAgentEvent, resultCostUsd, resultNotice, resultText, type AgentResult } from "./gateway/frames.ts";
import { progressLine } from "./progress.ts";
import type { ResumptionGuard } from "./resumption-guard.ts";
import { abortTurn, driveTurn, ensureSession, turnSpent, type TurnOptions } from "./turn.ts";

export interface OpenClawExecutorOptions extends TurnOptions {
  gateway: TurnOptions["gateway"] & Pick<GatewayClient, "onEvent" | "policy">;
  /** Which images each task's session was given (the state file); default: kept in memory. */
  images?: ImageLedger;
  attachmentLimits?: AttachmentLimits;
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
  /** Told of each turn the bridge gives up on (stopped, or lost to a restart), which OpenClaw must then not resume. */
  resumptions?: Pick<ResumptionGuard, "forbid">;
}

const DEADLINE_GRACE_MS = 120_000;

/**
 * Which of a task's images its OpenClaw session (by id) was given. A null id (a gateway that does not tell) stands
 * for the session the task had last.
 */
export interface ImageLedger {
  offeredImages(taskId: string, sessionId: string | null): Set<string>;
  imagesOffered(taskId: string, sessionId: string | null, urls: readonly string[]): void;
}

function memoryLedger(): ImageLedger {
  const offered = new Map<string, { sessionId: string | null; urls: Set<string> }>();
  const current = (taskId: string, sessionId: string | null) => {
    const known = offered.get(taskId);
    return known && (sessionId === null || known.sessionId === null || known.sessionId === sessionId) ? known : null;
  };
  return {
    offeredImages: (taskId, sessionId) => new Set(current(taskId, sessionId)?.urls),
    imagesOffered: (taskId, sessionId, urls) => {
      const known = current(taskId, sessionId);
      offered.set(taskId, { sessionId: sessionId ?? known?.sessionId ?? null, urls: new Set([...known?.urls ?? [], ...urls]) });
    },
  };
}

export function createOpenClawExecutor(o: OpenClawExecutorOptions): Executor {
  const agentId = o.agentId ?? "main";
  const ledger = o.images ?? memoryLedger();
  return async (run, ctx) => {
    const taskId = taskIdOf(run);
    const sessionKey = sessionKeyFor(taskId, agentId);
    const turnKey = turnKeyFor(run.id);
    const workdir = join(o.workRoot, workdirName(taskId));
    makeDirs(workdir);
    // Not when resuming a turn already sent (after a drop or a restart): its session exists, and has its images.
    const fresh = !o.turns.turnOf(run.id);
    const sessionId = fresh ? await ensureSession(o, run.id, sessionKey, workdir, ctx.signal) : null;

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
    // The gateway boot the turn went to (or goes to): a restart cuts it, and OpenClaw then resumes it by itself.
    const bootOfTurn = () => o.turns.turnOf(run.id)?.bootId ?? o.gateway.bootId;
    const onAbort = () => {
      if (ctx.signal.aborted) {
        progress.cancel();
        o.resumptions?.forbid(sessionKey, bootOfTurn());
      }
      void abortTurn(o.gateway, sessionKey, turnKey).catch((error: unknown) => o.log?.("warn", "could not abort the OpenClaw turn", { runId: run.id, error: String(error) }));
    };
    signal.addEventListener("abort", onAbort, { once: true });
    let result: AgentResult | undefined;
    try {
      const params = agentParams(run, o, { agentId, sessionKey, turnKey, workdir });
      const images = fresh ? await attach(run, params, ledger.offeredImages(taskId, sessionId), o, ctx, signal) : [];
      result = await driveTurn(o, run.id, params, signal, {
        // Taken, the turn's message is in the session with its images, whether the turn then ends, fails or is stopped.
        // Called from the socket's message handler: a failed write is logged, never thrown there.
        accepted: () => {
          try {
            ledger.imagesOffered(taskId, sessionId, images);
          } catch (error) {
            o.log?.("warn", "could not note the images the turn was given", { runId: run.id, error: String(error) });
          }
        },
        attachmentsRefused: (why) => {
          o.log?.("info", "the model took no images; the turn goes on with their links", { runId: run.id, why });
          ctx.progress(`The model does not take images, so it has their links only (${clip(why, 200)}).`);
        },
      }).catch((error: unknown) => {
        if (deadline.signal.aborted && !ctx.signal.aborted) {
          throw new TurnError("timeout", `OpenClaw did not end the turn within ${o.turnTimeoutSeconds} s and the bridge's grace`, { cause: error });
        }
        // The owner is told the work was lost and to follow up: OpenClaw's own resumption of it would run beside that.
        if (error instanceof TurnError && error.code === "lost") o.resumptions?.forbid(sessionKey, bootOfTurn());
        throw error;
      });
      progress.flush();
      // The session has them now (or its model refused them): a later turn on the task does not send them again.
      // Again with the session the turn ran in, which a reset under the task's key can have made a new one.
      ledger.imagesOffered(taskId, result.result?.meta?.agentMeta?.sessionId ?? sessionId, images);
      return toExecutorResult(result, ctx.signal, o.turnTimeoutSeconds);
    } catch (error) {
      // A failed turn still spent what its model calls cost: said with the error, as a completion says it.
      if (!ctx.signal.aborted && typeof error === "object" && error !== null && o.turns.turnOf(run.id)) {
        const cost = (result && resultCostUsd(result)) ?? await turnSpent(o, run.id, sessionKey, turnKey);
        if (cost !== undefined) Object.assign(error, { stepCostUsd: cost });
      }
      throw error;
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

/**
 * Adds the task's images its session was not given to the turn's `attachments`, says which could not be attached,
 * and returns the addresses no later turn need send: those attached, and those that will not do (not an image, too
 * big, gone). One that timed out, or met a server error, is tried again by the task's next turn.
 */
async function attach(
  run: AgentRunDetail, params: Record<string, unknown>, offered: Set<string>, o: OpenClawExecutorOptions, ctx: ExecutorContext, signal: AbortSignal,
): Promise<string[]> {
  const images = (run.task.images ?? []).filter((image) => !offered.has(image.url));
  if (images.length === 0) return [];
  const policy = o.gateway.policy;
  const { attachments, skipped } = await fetchAttachments(images, {
    signal, ...o.attachmentLimits,
    ...(policy?.attachments?.maxImageBytes ? { maxImageBytes: Math.min(policy.attachments.maxImageBytes, o.attachmentLimits?.maxImageBytes ?? Infinity) } : {}),
    // Base64 travels in one frame with the prompt: leave a megabyte for the rest.
    ...(policy?.maxPayload ? { maxTotalChars: Math.min(policy.maxPayload - 1024 * 1024, o.attachmentLimits?.maxTotalChars ?? Infinity) } : {}),
  });
  if (attachments.length) params.attachments = attachments;
  if (skipped.length) {
    // Names and reasons only: an uploaded image's URL is its key.
    o.log?.("info", "some of the task's images were not attached", { runId: run.id, skipped: skipped.map(({ name, reason }) => ({ name, reason })) });
    const list = skipped.map((image) => `${image.name} (${image.reason})`).join(", ");
    ctx.progress(`Could not attach ${skipped.length === 1 ? "an image" : `${skipped.length} images`}; the model has the link${skipped.length === 1 ? "" : "s"} only: ${clip(list, 1000)}.`);
  }
  const retry = new Set(skipped.filter((image) => !image.lasting).map((image) => image.url));
  return images.map((image) => image.url).filter((url) => !retry.has(url));
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
    ...(o.model ? modelParams(o.model) : {}),
    ...(o.thinking ? { thinking: o.thinking } : {}),
  };
}

/** `provider/model` as OpenClaw's two fields: given whole as `model`, the gateway finds no such model in its catalog (it then judged a vision model to take no images). */
function modelParams(ref: string): { provider?: string; model: string } {
  const slash = ref.indexOf("/");
  return slash > 0 ? { provider: ref.slice(0, slash), model: ref.slice(slash + 1) } : { model: ref };
}

/**
 * OpenClaw's turn limit ended the turn. It answers "aborted" both for an abort and for its own limit (a model that
 * never answered: `timeoutPhase` "provider", no stop reason); only an abort names another stop reason.
 */
function ranOutOfTime(result: AgentResult): boolean {
  if (result.status !== "timeout") return false;
  if (result.summary !== "aborted" || result.stopReason === "timeout") return true;
  return result.timeoutPhase !== undefined && result.stopReason === undefined;
}

function toExecutorResult(result: AgentResult, signal: AbortSignal, timeoutSeconds: number): ExecutorResult {
  if (signal.aborted) throw signal.reason;
  const costUsd = resultCostUsd(result);
  if (result.status === "ok") {
    const text = resultText(result);
    return { summary: text || "Done (OpenClaw gave no written answer).", ...(costUsd !== undefined ? { stepCostUsd: costUsd } : {}) };
  }
  if (ranOutOfTime(result)) throw new TurnError("timeout", `the turn exceeded ${timeoutSeconds} s`);
  if (result.summary === "aborted") throw new TurnError("failed", `the turn was aborted inside OpenClaw (${result.stopReason ?? "no reason given"})`);
  // OpenClaw's bare "failed" tells the owner nothing: what went wrong is in its notice and its model calls' record.
  if (answeredNothing(result)) throw new TurnError("model", "its answer was empty");
  const detail = typeof result.error === "string" ? result.error : result.error ? JSON.stringify(result.error) : resultNotice(result) || result.summary || result.status;
  throw turnFailure(detail);
}
