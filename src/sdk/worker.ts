/**
 * The run worker: takes pending runs from a `RunSource`, claims them with
 * `start`, runs an executor on each, and reports progress and the outcome
 * through a `Courier` (so every lifecycle call is retried until acknowledged).
 * It is the coordinator: the decisions live in `WorkerState`, the I/O here.
 *
 * A stopped run (a `stoppedRuns` entry, or a 409 whose status says it ended)
 * aborts its executor's signal at once and nothing more is posted for it.
 * `stop({ graceMs })` stops claiming, lets in-flight runs finish within the
 * grace period, then aborts them and ends them with an error.
 *
 * A refused token (a 401, see `isTokenRefused`) stays refused: the worker says so once (one `error` event), closes
 * its source and claims nothing more, and from then on sends nothing (no heartbeat, no lifecycle call: what those
 * carry is held in the outbox, as for any 401, for a start with a valid token). Its runs in flight go on to their end.
 */
import { randomUUID } from "node:crypto";
import type { AgentApiClient } from "./client.ts";
import { sleep, systemClock, type Clock } from "./clock.ts";
import { Courier } from "./courier.ts";
import { AgentApiError, isAgentApiError, isMisrouted, isRefusal } from "./errors.ts";
import { backoffDelay, decideRetry, DEFAULT_RETRY_POLICY, type RetryPolicy } from "./retry.ts";
import { confirmGone } from "./gone.ts";
import { startHeartbeat } from "./heartbeat.ts";
import { callListener } from "./listener.ts";
import { linkedSignal } from "./signal.ts";
import { MemoryOutbox, type Outbox } from "./outbox.ts";
import { checkPeriod } from "./period.ts";
import { RunProgress } from "./progress.ts";
import type { RunSource, RunSourceEvent } from "./run-source.ts";
import { isEnded, type RunStatus } from "./run-state.ts";
import { isTokenRefused } from "./token-refusal.ts";
import { runJob, SHUTDOWN_MESSAGE, type EndExtra, type Executor, type Job } from "./job.ts";
import type { AgentRunDetail } from "./parse.ts";
import { WorkerState, type StopDecision } from "./worker-state.ts";

export type { Executor, ExecutorContext, ExecutorResult } from "./job.ts";

export type WorkerEvent =
  | { type: "claimed"; runId: string }
  /** Another worker had claimed it first (a 409 on `start`), or it is gone (a 404 that re-reads confirmed). */
  | { type: "skipped"; runId: string }
  /**
   * The API refused the claim itself (a 4xx such as 400, 403 or 422): not claimed, and not tried again while the
   * worker remembers the run (10 min). `status` is the HTTP status, `message` what was said.
   */
  | { type: "refused"; runId: string; status: number; message: string }
  | { type: "finished"; runId: string }
  /** The executor failed, or outlived `runTimeoutMs` (`error` a "TimeoutError"); the run was ended with an error. */
  | { type: "failed"; runId: string; error: unknown }
  /** The owner stopped it (or the hub ended or deleted it); nothing more was posted. */
  | { type: "stopped"; runId: string }
  /** Shutdown's grace period ran out; the run was ended with an error. */
  | { type: "aborted"; runId: string }
  | { type: "connection"; connected: boolean }
  /** A token refused (`isTokenRefused(error)`) is said once, by the first call it failed; nothing is asked after it. */
  | { type: "error"; error: unknown; runId?: string };

export interface RunWorkerOptions {
  client: Pick<AgentApiClient, "start" | "run" | "comment" | "complete" | "error" | "heartbeat">;
  source: Pick<RunSource, "subscribe" | "start" | "close">;
  executor: Executor;
  /** Runs at once. Default 4. */
  concurrency?: number;
  /** Heartbeat period while an executor runs. Default 60 s. */
  heartbeatIntervalMs?: number;
  /** Posted with `start`; null for none. Default "Starting work on this now." */
  startComment?: string | null;
  outbox?: Outbox;
  clock?: Clock;
  /**
   * How long an executor may run before its run is ended with an error ("The agent gave up after N s
   * (runTimeoutMs)…", a `failed` event) and its signal aborted; its slot takes the next run, settled or not, and
   * whatever it settles with later is ignored. Above 0, or a RangeError. Default Infinity: no limit.
   */
  runTimeoutMs?: number;
  /** Turns an executor's failure into the error the owner reads. */
  formatError?: (error: unknown) => string;
  /**
   * Names this worker in its claims' idempotency keys: 1 to 100 visible ASCII characters, or the constructor throws a
   * RangeError. Default: random per process. A bridge
   * that keeps it across restarts gets its own lost `start` answered as a success, not a 409.
   */
  instanceId?: string;
  /** After the grace period, how long `stop` waits for the final calls. Default 10 s. */
  drainMs?: number;
  /**
   * After a stop aborted a run's executor, how long its slot waits for the executor to settle. One that ignores its
   * `signal` longer is let go (an `error` event says so): its slot takes the next run, so it cannot hold the worker
   * up for good, and whatever it returns later is ignored. Default 30 s.
   */
  stopGraceMs?: number;
  /**
   * A run answering 404 (to its claim, or once started) is let go only once three re-reads of it, this long apart at first and twice as
   * long each time (up to 30 s), answer 404 too: one from something in front of the API must not abandon a live
   * run. Default 1 s.
   */
  goneCheckMs?: number;
  /** Replaces those re-reads: true when the run is gone for sure. */
  confirmGone?: (runId: string, signal: AbortSignal) => Promise<boolean>;
  onEvent?: (event: WorkerEvent) => void;
}

/** A claim whose outcome is unknown is asked again until the API answers (backoff to 15 s, `Retry-After` honoured). */
const CLAIM_RETRY: RetryPolicy = {
  ...DEFAULT_RETRY_POLICY, maxAttempts: Number.POSITIVE_INFINITY, baseDelayMs: 500, maxDelayMs: 15_000, maxRetryAfterMs: Number.POSITIVE_INFINITY,
};

export class RunWorker {
  readonly #o: RunWorkerOptions;
  readonly #clock: Clock;
  readonly #state: WorkerState;
  readonly #courier: Courier;
  readonly #jobs = new Map<string, Job>();
  /** Each run's progress comments: one being delivered, what was said since waiting. */
  readonly #progress = new Map<string, RunProgress>();
  readonly #instance: string;
  #unsubscribe: (() => void) | null = null;
  #stopping: Promise<void> | null = null;
  /** When shutdown's grace period ends (ms); a later `stop` with a shorter grace brings it forward. */
  #graceEndsAt = Number.POSITIVE_INFINITY;
  /** Ends the grace period now. */
  readonly #graceCut = new AbortController();
  #cancelGraceTimer: (() => void) | null = null;
  #graceOver = false;
  /** Aborted when shutdown is over: a claim still in flight gives up (its outcome unknown). */
  readonly #halt = new AbortController();
  /** Adopted runs known to have been started by this worker before a restart. */
  readonly #started = new Set<string>();
  /** The pending let-go timers of stopped runs whose executors have not settled yet (shutdown cancels them). */
  readonly #lettingGo = new Set<() => void>();
  /** The API's refusal of the token, once one came: every later call fails with it at once, unsent. */
  #refusal: unknown = null;
  /** The client, but asking nothing once the token is refused. */
  readonly #api: RunWorkerOptions["client"];

  constructor(options: RunWorkerOptions) {
    this.#o = options;
    this.#clock = options.clock ?? systemClock;
    this.#instance = options.instanceId ?? randomUUID();
    // Its claims' Idempotency-Key is `<instanceId>:start:<runId>`, which the API takes only as visible ASCII of at
    // most 255 characters: one it refuses (400) would be every claim's, and one fetch cannot send (non-Latin-1)
    // a "network error" asked again forever, so the agent would take no run at all. Said here, at once, instead.
    if (!/^[\x21-\x7e]{1,100}$/.test(this.#instance)) {
      throw new RangeError(`instanceId must be 1 to 100 visible ASCII characters (no spaces), not ${JSON.stringify(this.#instance.slice(0, 120))}`);
    }
    checkPeriod(options.heartbeatIntervalMs, "RunWorker's heartbeatIntervalMs");
    checkPeriod(options.runTimeoutMs, "RunWorker's runTimeoutMs");
    this.#state = new WorkerState({ concurrency: options.concurrency ?? 4 });
    this.#api = this.#guarded(options.client);
    this.#courier = new Courier({
      api: this.#api, outbox: options.outbox ?? new MemoryOutbox(), clock: this.#clock,
      onError: (error) => this.#emit({ type: "error", error }),
      onRejected: (entry, error) => {
        if (isAgentApiError(error, "conflict")) this.#onConflict(entry.runId, error.runStatus);
        // Gone (deleted, or not this agent's any more): like a stop, it takes no more calls.
        else if (isAgentApiError(error, "not_found")) this.#onConflict(entry.runId, null);
        else this.#emit({ type: "error", error, runId: entry.runId });
      },
      confirmGone: (runId, signal) => this.#confirmGone(runId, signal),
    });
  }

  /** Starts listening for runs (and delivers what a durable outbox still holds). */
  start(): void {
    if (this.#unsubscribe || this.#stopping) return;
    this.#unsubscribe = this.#o.source.subscribe((event) => this.#onSource(event));
    void this.#courier.resume().catch((error: unknown) => this.#emit({ type: "error", error }));
    this.#o.source.start();
  }

  /**
   * Takes back runs this worker (same `instanceId`) claimed before a restart: each
   * is claimed again, which the API answers from its idempotency record (ours:
   * the executor runs again and should find its work by run id) or with a 409
   * (not ours, or ended: left alone). `started` names those whose `start` is known
   * to have succeeded: a 409 saying RUNNING is then ours too (a server that keeps
   * no idempotency record answers so). Call after `start()`.
   */
  adopt(runIds: readonly string[], options: { started?: readonly string[] } = {}): void {
    if (this.#stopping) return;
    for (const runId of this.#state.adopt(runIds, this.#clock.now())) {
      if (options.started?.includes(runId)) this.#started.add(runId);
    }
    this.#pump();
  }

  get stats(): { active: number; queued: number; outbox: number } {
    return { active: this.#state.active, queued: this.#state.queued, outbox: this.#courier.depth };
  }

  /**
   * Stops claiming, waits up to `graceMs` for in-flight runs, then aborts and errors them. Idempotent: a later call
   * returns the same promise, and one with a shorter grace (a second Ctrl-C's `graceMs: 0`) ends the grace sooner.
   */
  stop(options: { graceMs?: number } = {}): Promise<void> {
    this.#endGraceWithin(options.graceMs ?? 30_000);
    this.#stopping ??= this.#shutdown();
    return this.#stopping;
  }

  /** The grace period ends `graceMs` from now, unless it ends sooner already. */
  #endGraceWithin(graceMs: number): void {
    const endsAt = this.#clock.now() + Math.max(0, graceMs);
    if (this.#graceCut.signal.aborted || endsAt >= this.#graceEndsAt) return;
    this.#graceEndsAt = endsAt;
    this.#cancelGraceTimer?.();
    const cut = () => this.#graceCut.abort(new Error("the grace period is over"));
    if (graceMs <= 0) cut();
    else this.#cancelGraceTimer = this.#clock.setTimeout(cut, graceMs);
  }

  async #shutdown(): Promise<void> {
    this.#state.shutdown();
    const graceOver = new Promise<void>((resolve) => this.#graceCut.signal.addEventListener("abort", () => resolve(), { once: true }));
    await Promise.race([Promise.all([...this.#jobs.values()].map((job) => job.done)), this.#graceCut.signal.aborted ? undefined : graceOver]);
    this.#cancelGraceTimer?.();
    this.#graceCut.abort(new Error("the grace period is over"));
    this.#graceOver = true;
    for (const job of this.#jobs.values()) {
      if (this.#state.get(job.runId)?.phase === "running") this.#abandon(job);
    }
    // What is left of the shutdown is for the runs' final calls: no comment may hold one back past `drainMs`.
    this.#courier.dropComments();
    await this.#within(this.#o.drainMs ?? 10_000, [...this.#jobs.values()].map((job) => job.settled()));
    this.#halt.abort(new Error("The worker stopped"));
    for (const cancel of this.#lettingGo) cancel();
    this.#lettingGo.clear();
    this.#courier.close();
    this.#unsubscribe?.();
    await this.#o.source.close();
  }

  /** Resolves when all `promises` did or `ms` passed, whichever is first; leaves no timer behind. */
  async #within(ms: number, promises: Promise<unknown>[]): Promise<void> {
    const timer = new AbortController();
    await Promise.race([Promise.all(promises), sleep(this.#clock, ms, timer.signal).catch(() => undefined)]);
    timer.abort();
  }

  #onSource(event: RunSourceEvent): void {
    const now = this.#clock.now();
    switch (event.type) {
      case "pending":
        this.#state.seen(event.runs.map((run) => run.id), now);
        return this.#pump();
      case "stopped":
        for (const run of event.runs) this.#apply(run.id, this.#state.stopped(run.id, now));
        return;
      case "connection":
        return this.#emit(event);
      case "error":
        return this.#emit({ type: "error", error: event.error });
      default:
        event satisfies never;
    }
  }

  #onConflict(runId: string, status: RunStatus | null): void {
    this.#apply(runId, this.#state.conflict(runId, status, this.#clock.now()));
  }

  #apply(runId: string, decision: StopDecision): void {
    if (decision === "ignore") return;
    this.#emit({ type: "stopped", runId });
    if (decision === "abort") {
      const job = this.#jobs.get(runId);
      job?.abort(new Error("The run was stopped"));
      this.#endProgress(runId);
      void this.#courier.drop(runId);
      if (job) this.#letGoLater(job);
    }
  }

  /** A stopped run's executor that does not settle within `stopGraceMs` of its abort gives its slot up all the same. */
  #letGoLater(job: Job): void {
    const graceMs = this.#o.stopGraceMs ?? 30_000;
    const cancel = this.#clock.setTimeout(() => {
      this.#emit({ type: "error", runId: job.runId, error: new Error(`The executor of stopped run ${job.runId} ignored its abort for ${graceMs} ms; its slot takes the next run`) });
      job.letGo();
    }, graceMs);
    this.#lettingGo.add(cancel);
    void job.done.then(() => {
      cancel();
      this.#lettingGo.delete(cancel);
    });
  }

  #pump(): void {
    for (const runId of this.#state.next()) {
      const job = this.#job(runId);
      this.#jobs.set(runId, job);
      void job.done.finally(() => {
        this.#endProgress(runId);
        this.#jobs.delete(runId);
        this.#started.delete(runId);
        this.#state.ended(runId, this.#clock.now());
        this.#pump();
      });
    }
  }

  #job(runId: string): Job {
    return runJob(runId, {
      claim: (stopped) => this.#claim(runId, stopped),
      detail: (signal) => this.#detail(runId, signal),
      executor: this.#o.executor,
      progress: (text) => this.#progressOf(runId).post(text),
      end: (kind, body, extra) => this.#end(runId, kind, body, extra),
      heartbeat: (signal) => startHeartbeat({
        api: this.#api, runId, intervalMs: this.#o.heartbeatIntervalMs ?? 60_000, clock: this.#clock, signal,
        onConflict: (status) => this.#onConflict(runId, status),
        confirmGone: (signal) => this.#confirmGone(runId, signal),
        onError: (error) => this.#emit({ type: "error", error, runId }),
      }),
      formatError: this.#o.formatError,
      runTimeoutMs: this.#o.runTimeoutMs ?? Number.POSITIVE_INFINITY,
      setTimeout: (fn, ms) => this.#clock.setTimeout(fn, ms),
      graceOver: () => this.#graceOver,
      onError: (error) => this.#emit({ type: "error", error, runId }),
    });
  }

  #progressOf(runId: string): RunProgress {
    let progress = this.#progress.get(runId);
    if (!progress) {
      progress = new RunProgress((text) => this.#courier.send(runId, "comment", { body: text }));
      this.#progress.set(runId, progress);
    }
    return progress;
  }

  /** The run takes no more progress: the comment waiting is dropped (the run was stopped, or its job is done). */
  #endProgress(runId: string): void {
    this.#progress.get(runId)?.close();
    this.#progress.delete(runId);
  }

  /** The claimed run's detail. A 404 lets the run go (like a stop) only once `#confirmGone` agrees; else it is read again. */
  async #detail(runId: string, signal: AbortSignal): Promise<AgentRunDetail> {
    for (let round = 0; ; round++) {
      try {
        // The run is ours and RUNNING: an API outage must not fail it, so keep asking until it answers (or a stop).
        const detail = await this.#api.run(runId, { signal, retry: { maxAttempts: Number.POSITIVE_INFINITY, maxRetryAfterMs: Number.POSITIVE_INFINITY } });
        // A replayed claim (adopt) can find the run already ended: treat it like a stop.
        if (detail.status && isEnded(detail.status)) this.#onConflict(runId, detail.status);
        return detail;
      } catch (error) {
        if (signal.aborted || !isAgentApiError(error, "not_found") || isMisrouted(error)) throw error;
        if (await this.#confirmGone(runId, signal)) {
          this.#onConflict(runId, null);
          throw error;
        }
        await sleep(this.#clock, backoffDelay(round, CLAIM_RETRY), signal);
      }
    }
  }

  /** Is a run that answered 404 (to its claim, or once started) gone for sure (not a proxy's hiccup)? */
  #confirmGone(runId: string, signal: AbortSignal): Promise<boolean> {
    if (this.#o.confirmGone) return this.#o.confirmGone(runId, signal);
    return confirmGone((read) => this.#api.run(runId, { signal: read }), { clock: this.#clock, signal, firstMs: this.#o.goneCheckMs });
  }

  /** True when the run is ours to execute. `stopped` aborts when its owner stops it meanwhile: the claim is given up. */
  async #claim(runId: string, stopped: AbortSignal): Promise<boolean> {
    // Stopped, the run takes no more claims: whether one in flight took no longer matters.
    const giveUp = linkedSignal([this.#halt.signal, stopped]);
    try {
      return await this.#claimUntil(runId, stopped, giveUp.signal);
    } finally {
      giveUp.dispose();
    }
  }

  async #claimUntil(runId: string, stopped: AbortSignal, giveUp: AbortSignal): Promise<boolean> {
    const comment = this.#o.startComment === undefined ? "Starting work on this now." : this.#o.startComment;
    for (let round = 1; ; round++) {
      try {
        // Checked before each attempt: one after a stop would claim (and a durable caller note) a run that is over.
        giveUp.throwIfAborted();
        // One key per worker and run: a retry after a lost answer replays our own success, never a 409.
        await this.#api.start(runId, comment ?? undefined, { idempotencyKey: `${this.#instance}:start:${runId}`, signal: giveUp });
        break;
      } catch (error) {
        if (giveUp.aborted) {
          // Shut down mid-claim: whether it took is unknown (a durable caller re-adopts it on its next start).
          // Stopped mid-claim: the stop was already said ("stopped"), and the run is over either way.
          this.#state.claimFailed(runId, stopped.aborted ? "taken" : "failed", this.#clock.now());
          return false;
        }
        if (isAgentApiError(error, "conflict") && error.runStatus === "RUNNING" && this.#started.has(runId)) break;
        if (isRefusal(error)) {
          // The claim itself is refused (400, 403, 422…): asked again at every sighting, it would be refused forever.
          this.#state.claimFailed(runId, "taken", this.#clock.now());
          this.#emit({ type: "refused", runId, status: error.httpStatus, message: error.message });
          return false;
        }
        // A 404 may be a proxy's hiccup: the run is gone only once `#confirmGone`'s re-reads agree; else claim again.
        const notFound = isAgentApiError(error, "not_found") && !isMisrouted(error);
        if (notFound && !this.#graceOver && !(await this.#confirmGone(runId, giveUp).catch(() => false))) {
          if (giveUp.aborted) continue; // the loop's check gives the claim up
          this.#emit({ type: "error", error, runId });
          await sleep(this.#clock, backoffDelay(round - 1, CLAIM_RETRY), giveUp).catch(() => undefined);
          continue;
        }
        // Someone else has it, or it is gone (a confirmed 404: deleted, or not this agent's): asking again cannot change that.
        const taken = isAgentApiError(error, "conflict") || notFound;
        // Outcome unknown (the API may have taken the claim and lost the answer): the run may be RUNNING and
        // gone from the pending list, so ask again with the same key until the API answers; give up only at
        // shutdown or a stop.
        const decision = taken || this.#graceOver ? null : decideRetry(error, round, CLAIM_RETRY);
        if (decision?.retry) {
          this.#emit({ type: "error", error, runId });
          await sleep(this.#clock, decision.delayMs, giveUp).catch(() => undefined);
          continue;
        }
        this.#state.claimFailed(runId, taken ? "taken" : "failed", this.#clock.now());
        this.#emit(taken ? { type: "skipped", runId } : { type: "error", error, runId });
        return false;
      }
    }
    if (this.#state.claimed(runId)) {
      this.#emit({ type: "claimed", runId });
      return true;
    }
    return false;
  }

  /** Sends the run's final call (the job makes sure it is called once). */
  async #end(runId: string, kind: "complete" | "error", body: string, extra: EndExtra): Promise<void> {
    const run = this.#state.get(runId);
    if (!run || run.stopped) return this.#endProgress(runId);
    // What the executor said last goes out before its final call.
    this.#progress.get(runId)?.flush();
    this.#progress.delete(runId);
    this.#state.executed(runId);
    const { cause, ...costs } = extra;
    const outcome = await this.#courier.send(runId, kind, { ...costs, body });
    if (this.#state.get(runId)?.stopped) return;
    if (outcome.kind === "rejected" && isAgentApiError(outcome.error, "bad_request")) {
      // The API refused the call itself (not the run's state): a run left RUNNING would wait for nothing, so end it
      // with an error that says why (short, costs left out: the one call such an answer cannot refuse again).
      const said = outcome.error.serverMessage;
      const answer = `HTTP ${outcome.error.httpStatus ?? "4xx"}${said ? `: ${said.slice(0, 500)}` : ""}`;
      const why = `The agent's ${kind === "complete" ? "result" : "error report"} was refused (${answer}).`;
      const fallback = await this.#courier.send(runId, "error", { body: why });
      if (fallback.kind === "delivered" && !this.#state.get(runId)?.stopped) this.#emit({ type: "failed", runId, error: outcome.error });
      return;
    }
    // Not delivered: the courier reported why (or we are closing, or it is held for the token).
    if (outcome.kind !== "delivered") return;
    if (body === SHUTDOWN_MESSAGE) this.#emit({ type: "aborted", runId });
    else this.#emit(kind === "complete" ? { type: "finished", runId } : { type: "failed", runId, error: cause ?? body });
  }

  #abandon(job: Job): void {
    job.abort(new Error("The agent is shutting down"));
    void job.end("error", SHUTDOWN_MESSAGE);
  }

  /** `client`, whose calls fail at once, unsent, with the token's refusal once one came (and note the first). */
  #guarded(client: RunWorkerOptions["client"]): RunWorkerOptions["client"] {
    const call = async <T>(send: () => Promise<T>): Promise<T> => {
      if (this.#refusal) throw this.#refusal;
      try {
        return await send();
      } catch (error) {
        if (isTokenRefused(error)) this.#tokenRefused(error);
        throw error;
      }
    };
    return {
      start: (runId, body, options) => call(() => client.start(runId, body, options)),
      run: (runId, options) => call(() => client.run(runId, options)),
      comment: (runId, body, options) => call(() => client.comment(runId, body, options)),
      complete: (runId, result, options) => call(() => client.complete(runId, result, options)),
      error: (runId, result, options) => call(() => client.error(runId, result, options)),
      heartbeat: (runId, options) => call(() => client.heartbeat(runId, options)),
    };
  }

  /** The token is refused: said once, and nothing more is asked (no poll, no claim; calls fail unsent). */
  #tokenRefused(error: unknown): void {
    if (this.#refusal) return;
    // As the API's own 401 whatever said it (the real-time query's refusal is another error): the courier holds what
    // it carries for such a refusal, where another error would be given up.
    this.#refusal = isAgentApiError(error) ? error : new AgentApiError("unauthorized", "GroupChat refused the agent token", { httpStatus: 401, cause: error });
    this.#state.shutdown();
    this.#tell({ type: "error", error });
    void this.#o.source.close().catch((failure: unknown) => this.#emit({ type: "error", error: failure }));
  }

  #emit(event: WorkerEvent): void {
    // A refused token is said once, by `#tokenRefused`: every call after it would only say it again.
    if (event.type === "error" && isTokenRefused(event.error)) return this.#tokenRefused(event.error);
    this.#tell(event);
  }

  #tell(event: WorkerEvent): void {
    callListener(this.#o.onEvent, [event], (error) => console.error("RunWorker onEvent listener failed", error));
  }
}
