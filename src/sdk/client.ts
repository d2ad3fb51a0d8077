/**
 * The Agent API client: every endpoint GroupChat documents, plus our heartbeat.
 * Each call gets Basic auth, a per-attempt timeout, the caller's AbortSignal,
 * retries per the policy and, for a POST, one `Idempotency-Key` reused by all its
 * retries, so a retried comment can never be posted twice (heartbeats, harmless
 * to repeat, go without one so the server stores nothing for them).
 */
import { randomUUID } from "node:crypto";
import { sleep, systemClock, type Clock } from "./clock.ts";
import { abortedError, AgentApiError, errorFromResponse, invalidResponse, isAgentApiError, networkError } from "./errors.ts";
import {
  parseAck, parseActivityAck, parseProfile, parseRunDetail, parseRuns, parseTasks, ParseError,
  type AgentActivity, type AgentProfile, type AgentRun, type AgentRunDetail, type AgentTask, type RunAck,
} from "./parse.ts";
import { HeartbeatSupport } from "./heartbeat-support.ts";
import { callListener } from "./listener.ts";
import { checkPeriod } from "./period.ts";
import { decideRetry, DEFAULT_RETRY_POLICY, type Random, type RetryPolicy } from "./retry.ts";
import { linkedSignal } from "./signal.ts";
import type { RunStatus } from "./run-state.ts";
import type { TaskStatus } from "./types.ts";

export interface AgentApiClientOptions {
  /** The agent's `gca_` token. */
  token: string;
  /** The Agent API's base URL, e.g. `https://groupchat.ai/api/v1/agent` (`GROUPCHAT_API_URL`). */
  apiUrl: string;
  fetch?: typeof fetch;
  /** Per attempt, reading the answer included. Default 30 s. */
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  clock?: Clock;
  random?: Random;
  /** Makes idempotency keys; default `crypto.randomUUID`. */
  newKey?: () => string;
  /** Told before each retry (for logs and metrics). */
  onRetry?: (info: { what: string; attempt: number; delayMs: number; error: unknown }) => void;
  /**
   * After the API refused a heartbeat as a call it does not have (hosted GroupChat may not), heartbeats pause for
   * every run and one is tried again after this long, then after twice as long each time, up to an hour. Default 5 min.
   */
  heartbeatProbeMs?: number;
  /** Told when heartbeats pause (`false`: the API has none) and when a probe finds them back (`true`). */
  onHeartbeats?: (enabled: boolean) => void;
}

export interface CallOptions {
  signal?: AbortSignal;
  /** A POST's key; by default a fresh one per call. Pass your own to make a call idempotent across processes. */
  idempotencyKey?: string;
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
}

export interface TaskFilters {
  dueDate?: string;
  dueBefore?: number;
  dueAfter?: number;
  /** Default false; `status: "done"` alone includes completed tasks. */
  includeCompleted?: boolean;
  workspaceId?: string;
  projectId?: string;
  status?: TaskStatus;
  limit?: number;
}

export interface RunFilters {
  status?: RunStatus;
  workspaceId?: string;
  limit?: number;
}

export interface RunResult {
  body: string;
  stepCostUsd?: number;
  totalCostUsd?: number;
}

type Query = Record<string, string | number | boolean | undefined>;

interface Request<T> {
  method: "GET" | "POST";
  path: string;
  query?: Query;
  body?: unknown;
  /** False for a POST that is idempotent by nature: no key, no stored replay on the server. */
  keyed?: boolean;
  parse: (raw: unknown) => T;
}

export class AgentApiClient {
  readonly apiUrl: string;
  readonly #authorization: string;
  readonly #fetch: typeof fetch;
  readonly #timeoutMs: number;
  readonly #retry: RetryPolicy;
  readonly #clock: Clock;
  readonly #random: Random;
  readonly #newKey: () => string;
  readonly #onRetry: AgentApiClientOptions["onRetry"];
  readonly #onHeartbeats: AgentApiClientOptions["onHeartbeats"];
  readonly #heartbeats: HeartbeatSupport;

  constructor(options: AgentApiClientOptions) {
    checkToken(options.token, "AgentApiClient");
    checkPeriod(options.timeoutMs, "AgentApiClient's timeoutMs");
    checkPeriod(options.heartbeatProbeMs, "AgentApiClient's heartbeatProbeMs");
    this.apiUrl = options.apiUrl.replace(/\/+$/, "");
    this.#authorization = `Basic ${Buffer.from(`${options.token}:`).toString("base64")}`;
    this.#fetch = options.fetch ?? globalThis.fetch;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#retry = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? Math.random;
    this.#newKey = options.newKey ?? randomUUID;
    this.#onRetry = options.onRetry;
    this.#onHeartbeats = options.onHeartbeats;
    const probeMs = options.heartbeatProbeMs ?? 300_000;
    this.#heartbeats = new HeartbeatSupport({ probeMs, maxProbeMs: Math.max(probeMs, 3_600_000) });
  }

  me(options?: CallOptions): Promise<AgentProfile> {
    return this.#call({ method: "GET", path: "/me", parse: parseProfile }, options);
  }

  tasks(filters: TaskFilters = {}, options?: CallOptions): Promise<AgentTask[]> {
    return this.#call({ method: "GET", path: "/tasks", query: { ...filters }, parse: parseTasks }, options);
  }

  runs(filters: RunFilters = {}, options?: CallOptions): Promise<AgentRun[]> {
    return this.#call({ method: "GET", path: "/runs", query: { ...filters }, parse: parseRuns }, options);
  }

  run(id: string, options?: CallOptions): Promise<AgentRunDetail> {
    return this.#call({ method: "GET", path: `/runs/${enc(id)}`, parse: (raw) => parseRunDetail(raw, id) }, options);
  }

  /** PENDING → RUNNING. A 409 `conflict` means someone else has it (or it was stopped). */
  start(id: string, body?: string, options?: CallOptions): Promise<RunAck> {
    return this.#call({ method: "POST", path: `/runs/${enc(id)}/start`, body: body === undefined ? {} : { body }, parse: parseAck }, options);
  }

  comment(id: string, body: string, options?: CallOptions): Promise<Partial<AgentActivity>> {
    return this.#call({ method: "POST", path: `/runs/${enc(id)}/comment`, body: { body }, parse: parseActivityAck }, options);
  }

  complete(id: string, result: RunResult, options?: CallOptions): Promise<RunAck> {
    return this.#call({ method: "POST", path: `/runs/${enc(id)}/complete`, body: result, parse: parseAck }, options);
  }

  error(id: string, result: RunResult, options?: CallOptions): Promise<RunAck> {
    return this.#call({ method: "POST", path: `/runs/${enc(id)}/error`, body: result, parse: parseAck }, options);
  }

  /**
   * Renews a RUNNING run's lease (ours); false when no heartbeat was sent. Hosted GroupChat may have no such
   * endpoint: its 405, or a 404 for a run that is there, pauses heartbeats (false, with no call) until a probe
   * after `heartbeatProbeMs` finds them back (`onHeartbeats` tells of both). A 404 for a run that is gone too
   * (deleted before its first beat), or any 404 once a heartbeat went through, says the run is gone (a
   * `not_found` error), not that heartbeats are.
   */
  async heartbeat(id: string, options?: CallOptions): Promise<boolean> {
    const support = this.#heartbeats;
    if (!support.shouldSend(this.#clock.now())) return false;
    try {
      await this.#call({ method: "POST", path: `/runs/${enc(id)}/heartbeat`, body: {}, keyed: false, parse: parseAck }, options);
      if (support.sent()) this.#tellHeartbeats(true);
      return true;
    } catch (error) {
      if (!(error instanceof AgentApiError) || support.answered) {
        support.unanswered();
        throw error;
      }
      // A 404 names no culprit (no such route, or no such run): the run itself tells which.
      if (error.httpStatus === 404) await this.run(id, options).catch((probe: unknown) => {
        support.unanswered();
        throw isAgentApiError(probe, "not_found") ? error : probe;
      });
      if (error.httpStatus === 404 || error.httpStatus === 405) {
        if (support.refused(this.#clock.now())) this.#tellHeartbeats(false);
        return false;
      }
      support.unanswered();
      throw error;
    }
  }

  /** False while heartbeats are paused (the API refused them as a call it does not have). */
  get heartbeatSupported(): boolean {
    return this.#heartbeats.enabled;
  }

  #tellHeartbeats(enabled: boolean): void {
    callListener(this.#onHeartbeats, [enabled], (error) => console.error("AgentApiClient onHeartbeats listener failed", error));
  }

  async #call<T>(request: Request<T>, options: CallOptions = {}): Promise<T> {
    const what = `${request.method} ${request.path}`;
    const policy = options.retry ? { ...this.#retry, ...options.retry } : this.#retry;
    const key = request.method === "POST" && request.keyed !== false ? (options.idempotencyKey ?? this.#newKey()) : undefined;
    // One fetch cannot send (non-Latin-1) would fail as a "network" error, retried; one the API refuses, with a 400.
    if (key !== undefined && !/^[\x21-\x7e]{1,255}$/.test(key)) {
      throw new AgentApiError("bad_request", `${what} not sent: an Idempotency-Key is 1 to 255 visible ASCII characters (no spaces)`);
    }
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#attempt(request, what, key, options);
      } catch (error) {
        const decision = decideRetry(error, attempt, policy, this.#random);
        if (!decision.retry) throw error;
        // A listener that fails must not fail the call.
        callListener(this.#onRetry, [{ what, attempt, delayMs: decision.delayMs, error }], (failure) => console.error("AgentApiClient onRetry listener failed", failure));
        await sleep(this.#clock, decision.delayMs, options.signal).catch((reason: unknown) => {
          throw abortedError(reason, what);
        });
      }
    }
  }

  async #attempt<T>(request: Request<T>, what: string, key: string | undefined, options: CallOptions): Promise<T> {
    const caller = options.signal;
    if (caller?.aborted) throw abortedError(caller.reason, what);
    const timeoutMs = options.timeoutMs ?? this.#timeoutMs;
    const timer = new AbortController();
    const cancelTimer = this.#clock.setTimeout(() => timer.abort(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
    const { signal, dispose } = linkedSignal([caller, timer.signal]);
    const headers: Record<string, string> = { authorization: this.#authorization, accept: "application/json" };
    if (request.body !== undefined) headers["content-type"] = "application/json";
    if (key) headers["idempotency-key"] = key;
    let status: number;
    let text: string;
    let responseHeaders: Headers;
    try {
      // No redirect is followed: fetch would drop the Authorization header on one to another origin (http → https
      // included: every call a 401, the token blamed) and turn a POST into a GET. A 3xx is an error naming its Location.
      const response = await this.#fetch(this.#url(request), {
        method: request.method, headers, signal, redirect: "manual",
        body: request.body === undefined ? undefined : JSON.stringify(request.body),
      });
      status = response.status;
      responseHeaders = response.headers;
      text = await response.text();
    } catch (error) {
      if (caller?.aborted) throw abortedError(caller.reason, what);
      throw networkError(timer.signal.aborted ? timer.signal.reason : error, what);
    } finally {
      cancelTimer();
      dispose();
    }
    const body = parseJson(text);
    if (status < 200 || status > 299) throw errorFromResponse(status, body, responseHeaders, this.#clock.now(), what);
    try {
      return request.parse(body);
    } catch (error) {
      if (error instanceof ParseError) throw invalidResponse(error.message, body, what);
      throw error;
    }
  }

  #url(request: Request<unknown>): string {
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries(request.query ?? {})) {
      if (value !== undefined) params.set(name, String(value));
    }
    const search = params.size > 0 ? `?${params}` : "";
    return `${this.apiUrl}${request.path}${search}`;
  }
}

/**
 * A `gca_` token has no whitespace: one with some (a line end read from a file with it) would get every call a 401
 * that blames the token itself, so it is refused here, naming what is wrong with it.
 */
export function checkToken(token: string, who: string): void {
  if (!token) throw new TypeError(`${who} needs a token`);
  if (/\s/.test(token)) throw new TypeError(`${who}'s token has whitespace in it (a line end read from a file?); an agent token has none`);
}

const enc = encodeURIComponent;

function parseJson(text: string): unknown {
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
