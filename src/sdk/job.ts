/**
 * One run's life inside a worker: claim, read the detail, run the executor
 * (with heartbeats), then end it with `complete` or `error`, once. Whatever
 * aborts the job's signal (a stop, a shutdown) decides what gets posted: the
 * job itself posts nothing after an abort. An executor still running `runTimeoutMs` after its start is aborted and
 * its run ended with an error (`timedOut`), and the job is done once that is delivered: whatever the executor
 * settles with later, if ever, is ignored.
 */
import { clip, clipNoted } from "./clip.ts";
import type { AgentRunDetail } from "./parse.ts";
import { isBlank } from "./blank-text.ts";
import { isAgentApiError } from "./errors.ts";
import type { Clock } from "./clock.ts";

export interface ExecutorContext {
  runId: string;
  /**
   * Aborts when the owner stops the run, the worker shuts down or the run outlives the worker's `runTimeoutMs` (its
   * `reason` then a "TimeoutError"): give up promptly.
   */
  signal: AbortSignal;
  /**
   * Posts a progress comment, after the earlier ones; a no-op once the run is stopped or ending. Bounded: while one
   * is being delivered, what is said meanwhile is joined into one waiting comment, sent before the run's final call.
   */
  progress(text: string): void;
}

export interface ExecutorResult {
  /** Posted as the run's completion summary. */
  summary: string;
  stepCostUsd?: number;
  totalCostUsd?: number;
}

/**
 * Does the work of one run. Throw (or reject) to end the run with an error; an error with a `stepCostUsd` or
 * `totalCostUsd` (numbers, USD) reports what the failed attempt spent, as a result does.
 */
export type Executor = (run: AgentRunDetail, ctx: ExecutorContext) => Promise<ExecutorResult>;

export const SHUTDOWN_MESSAGE = "The agent shut down before it finished this run. Send a follow-up to try again.";

/** Longest body posted; the hub takes 200,000 characters. */
export const MAX_BODY = 100_000;

/** The costs the Agent API takes: USD from 0 to 1,000,000. */
const MAX_COST_USD = 1_000_000;

/** What a run that outlived `runTimeoutMs` is ended with (and its executor's signal aborted with, as a "TimeoutError"). */
export function timedOut(runTimeoutMs: number): DOMException {
  const seconds = Number((runTimeoutMs / 1000).toFixed(3));
  return new DOMException(`The agent gave up after ${seconds} s (runTimeoutMs): the run took longer than the agent allows. Send a follow-up to try again.`, "TimeoutError");
}

export interface EndExtra {
  stepCostUsd?: number;
  totalCostUsd?: number;
  /** What made the run fail, for the worker's events. */
  cause?: unknown;
}

export interface JobDeps {
  /** True when the run is ours to execute; `signal` aborts when the run is stopped meanwhile. */
  claim(signal: AbortSignal): Promise<boolean>;
  detail(signal: AbortSignal): Promise<AgentRunDetail>;
  executor: Executor;
  progress(text: string): void;
  /** Sends the final call. */
  end(kind: "complete" | "error", body: string, extra: EndExtra): Promise<void>;
  /** Starts heartbeats; returns their stop. */
  heartbeat(signal: AbortSignal): () => void;
  /** How long the executor may run (ms) before the run is ended with `timedOut`; Infinity: no limit. */
  runTimeoutMs: number;
  setTimeout: Clock["setTimeout"];
  /** True once shutdown's grace ran out: a run claimed now is ended at once. */
  graceOver(): boolean;
  formatError?: (error: unknown) => string;
  onError(error: unknown): void;
}

export interface Job {
  runId: string;
  /** Settles (never rejects) when the job is over: ended, stopped or not claimed, or let go (`letGo`). */
  done: Promise<void>;
  abort(reason: unknown): void;
  /**
   * Settles `done` now, without waiting for an executor that outlived its abort: the worker stops waiting for it
   * (the executor's late result, or failure, is ignored, as after any abort).
   */
  letGo(): void;
  /** Ends the run; only the first call sends anything. */
  end(kind: "complete" | "error", body: string, extra?: EndExtra): Promise<void>;
  /** The final call's delivery, once begun; until then a promise that never settles. */
  ending(): Promise<void>;
  /** Settles once the final call's delivery is over (or, with none begun, once the job is). */
  settled(): Promise<void>;
}

export function defaultFormatError(error: unknown): string {
  let message: string;
  try {
    message = error instanceof Error ? error.message : String(error);
  } catch {
    message = ""; // an object without a string form (no prototype)
  }
  return `Error: ${message || "the agent failed"}`;
}

/**
 * The costs the API would take; any other value is left out (and reported), so a
 * bad number from an executor cannot get the run's final call refused.
 */
function validCosts(extra: EndExtra, onError: (error: unknown) => void): EndExtra {
  const valid = { ...extra };
  for (const field of ["stepCostUsd", "totalCostUsd"] as const) {
    const value = valid[field];
    if (value === undefined || (typeof value === "number" && Number.isFinite(value) && value >= 0 && value <= MAX_COST_USD)) continue;
    delete valid[field];
    onError(new RangeError(`Left out ${field} ${describeValue(value)}: a cost is a number of USD from 0 to ${MAX_COST_USD}`));
  }
  return valid;
}

/** A value as words, even one without a string form (an object without a prototype, a `toString` that throws). */
function describeValue(value: unknown): string {
  try {
    return String(value);
  } catch {
    return `(a ${typeof value} without a string form)`;
  }
}

/** What a failed executor's error says its attempt cost (checked by `validCosts` like a result's). */
function costsOf(error: unknown): Pick<EndExtra, "stepCostUsd" | "totalCostUsd"> {
  if (typeof error !== "object" || error === null) return {};
  const { stepCostUsd, totalCostUsd } = error as EndExtra;
  return { ...(stepCostUsd !== undefined ? { stepCostUsd } : {}), ...(totalCostUsd !== undefined ? { totalCostUsd } : {}) };
}

export function runJob(runId: string, deps: JobDeps): Job {
  const controller = new AbortController();
  const signal = controller.signal;
  let ending: Promise<void> | null = null;
  const end: Job["end"] = (kind, body, extra = {}) =>
    (ending ??= deps.end(kind, clipNoted(body, MAX_BODY), validCosts(extra, deps.onError)).catch((error: unknown) => deps.onError(error)));

  // A formatter that throws must not leave the run RUNNING: the plain message goes instead.
  const describeFailure = (error: unknown): string => {
    if (!deps.formatError) return defaultFormatError(error);
    try {
      const text: unknown = deps.formatError(error);
      if (typeof text === "string") return text;
      deps.onError(new TypeError(`formatError returned ${typeof text}, not a string`));
    } catch (failure) {
      deps.onError(failure);
    }
    return defaultFormatError(error);
  };

  const execute = async (): Promise<void> => {
    let detail: AgentRunDetail;
    try {
      detail = await deps.detail(signal);
    } catch (error) {
      if (signal.aborted) return;
      // The token is refused: no call about the run would get through, its error included. Left RUNNING, unended: a
      // durable caller's next start (with a valid token) takes it back and does the work.
      if (isAgentApiError(error, "unauthorized")) return deps.onError(error);
      return end("error", `Could not read the run: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    if (signal.aborted) return;
    const progress = (text: string) => {
      // Text that shows nothing the API refuses (400): not posted, as an empty one is not.
      if (!signal.aborted && !ending && typeof text === "string" && !isBlank(text)) deps.progress(clip(text, MAX_BODY));
    };
    let result: ExecutorResult;
    // Heartbeats only while the executor works: one still in flight when the final call lands would get a 409.
    const stopHeartbeat = deps.heartbeat(signal);
    const stopDeadline = deadline();
    try {
      result = await deps.executor(detail, { runId, signal, progress });
    } catch (error) {
      if (signal.aborted) return;
      return end("error", describeFailure(error), { cause: error, ...costsOf(error) });
    } finally {
      stopDeadline();
      stopHeartbeat();
    }
    if (signal.aborted) return;
    // Read once, here: a getter that throws (or a revoked Proxy) fails the run as the executor's own error would,
    // instead of leaving it RUNNING.
    let outcome: { summary: string; costs: EndExtra };
    try {
      const { summary, stepCostUsd, totalCostUsd } = result ?? {};
      outcome = { summary: typeof summary === "string" && !isBlank(summary) ? summary : "Done.", costs: { stepCostUsd, totalCostUsd } };
    } catch (error) {
      return end("error", describeFailure(error), { cause: error });
    }
    return end("complete", outcome.summary, outcome.costs);
  };

  let letGo!: () => void;
  const lettingGo = new Promise<void>((resolve) => (letGo = resolve));

  /**
   * Starts the executor's `runTimeoutMs`; returns its cancel. When it runs out, the abort stops the heartbeats and
   * makes the executor's outcome ignored; the job is done once the error is delivered, settled executor or not.
   * An abort before (a stop, a shutdown) cancels it: those decide what is posted.
   */
  const deadline = (): (() => void) => {
    if (!Number.isFinite(deps.runTimeoutMs)) return () => {};
    const cancelTimer = deps.setTimeout(() => {
      signal.removeEventListener("abort", cancel);
      const reason = timedOut(deps.runTimeoutMs);
      controller.abort(reason);
      void end("error", reason.message, { cause: reason }).finally(letGo);
    }, deps.runTimeoutMs);
    const cancel = () => {
      signal.removeEventListener("abort", cancel);
      cancelTimer();
    };
    signal.addEventListener("abort", cancel, { once: true });
    return cancel;
  };
  const done = Promise.race([(async () => {
    if (!(await deps.claim(signal))) return;
    if (deps.graceOver()) return end("error", SHUTDOWN_MESSAGE);
    await execute();
  })().catch((error: unknown) => deps.onError(error)), lettingGo]);

  return {
    runId,
    done,
    abort: (reason) => controller.abort(reason),
    letGo,
    end,
    ending: () => ending ?? new Promise<void>(() => {}),
    // An executor that ignores its abort must not hold up a final call that was already sent.
    settled: () => Promise.race([done.then(() => ending ?? undefined), ending ?? new Promise<void>(() => {})]),
  };
}
