/**
 * The Agent API client's errors: one class, a stable `code`, mapped from HTTP in
 * one place (`errorFromResponse`). Callers branch on `code`, never on messages.
 */
import { isRunStatus, type RunStatus } from "./run-state.ts";
import { parseRetryAfter } from "./retry.ts";

export const ERROR_CODES = [
  "unauthorized", // 401 / 403: the token is missing, wrong or revoked
  "not_found", // 404 / 405 / 410: no such run or task (or not this agent's), or no such endpoint
  "conflict", // 409: the run is not in a state that allows the call; `runStatus` says where it is
  "rate_limited", // 429: slow down; `retryAfterMs` when the server said
  "server", // 5xx (and 408): the server failed; worth retrying
  "network", // no HTTP answer: connection refused or dropped, DNS, timeout
  "bad_request", // 400 / 413 / 422 and other 4xx, and a 3xx (never followed): the request itself is wrong
  "aborted", // the caller's AbortSignal fired
  "invalid_response", // a 2xx whose body lacks what GroupChat documents
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export interface AgentApiErrorOptions {
  httpStatus?: number | null;
  runStatus?: RunStatus | null;
  retryAfterMs?: number | null;
  serverMessage?: string | null;
  cause?: unknown;
}

export class AgentApiError extends Error {
  override readonly name = "AgentApiError";
  readonly code: ErrorCode;
  /** The HTTP status, when there was an answer. */
  readonly httpStatus: number | null;
  /** For `conflict`: the run's current status, from the 409 body `{ error, status }`. */
  readonly runStatus: RunStatus | null;
  /** From `Retry-After` (429, 503), in ms from when the answer came. */
  readonly retryAfterMs: number | null;
  /** What the server said (its `{ error }`), when it said something. */
  readonly serverMessage: string | null;

  constructor(code: ErrorCode, message: string, options: AgentApiErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.code = code;
    this.httpStatus = options.httpStatus ?? null;
    this.runStatus = options.runStatus ?? null;
    this.retryAfterMs = options.retryAfterMs ?? null;
    this.serverMessage = options.serverMessage ?? null;
  }
}

export function isAgentApiError(error: unknown, code?: ErrorCode): error is AgentApiError {
  return error instanceof AgentApiError && (code === undefined || error.code === code);
}

function codeForStatus(status: number): ErrorCode {
  if (status === 401 || status === 403) return "unauthorized";
  if (status === 404 || status === 405 || status === 410) return "not_found";
  if (status === 409) return "conflict";
  if (status === 429) return "rate_limited";
  if (status >= 500 || status === 408) return "server";
  return "bad_request";
}

/**
 * The error for a non-2xx answer. `body` is the parsed JSON (or text) of the
 * answer; GroupChat's is `{ error }`, plus `status` on our 409s.
 */
export function errorFromResponse(
  httpStatus: number,
  body: unknown,
  headers: { get(name: string): string | null },
  now: number,
  what = "request",
): AgentApiError {
  const code = codeForStatus(httpStatus);
  const fields = typeof body === "object" && body !== null ? (body as Record<string, unknown>) : {};
  const detail = typeof fields.error === "string" ? fields.error : typeof body === "string" && body ? body.slice(0, 200) : null;
  const location = httpStatus >= 300 && httpStatus < 400 ? headers.get("location") : null;
  // The client follows no redirect (client.ts says why): the message says where to point it instead.
  const said = location ? `redirected to ${location.slice(0, 500)}; the client follows no redirects, so set apiUrl to where it points` : detail;
  const runStatus = code === "conflict" && isRunStatus(fields.status) ? fields.status : null;
  return new AgentApiError(code, `${what} failed with HTTP ${httpStatus}${said ? `: ${said}` : ""}`, {
    httpStatus,
    runStatus,
    retryAfterMs: parseRetryAfter(headers.get("retry-after"), now),
    serverMessage: detail,
    cause: body,
  });
}

/**
 * A 405 for a route the API has (a run's documented calls, or heartbeats once one went through): the answer came
 * from something in front of it (a proxy sending the call elsewhere), so it says nothing about the run. Worth
 * another try; never read as "the run is gone".
 */
export function isMisrouted(error: unknown): boolean {
  return isAgentApiError(error, "not_found") && error.httpStatus === 405;
}

/**
 * A 4xx that refuses the call itself, for good: the request is wrong (400, 413, 422…) or not allowed (403). Not a
 * refused token (401), a gone run (404, 410), a misrouted call (405), a conflict (409) or a slow-down (408, 429).
 */
export function isRefusal(error: unknown): error is AgentApiError & { httpStatus: number } {
  if (!isAgentApiError(error) || error.httpStatus === null) return false;
  const status = error.httpStatus;
  return status >= 400 && status < 500 && ![401, 404, 405, 408, 409, 410, 429].includes(status);
}

export function networkError(cause: unknown, what = "request"): AgentApiError {
  return new AgentApiError("network", `${what} got no answer: ${networkReason(cause)}`, { cause });
}

/**
 * Why no answer came, in words a person can act on: fetch says only "fetch failed", and keeps the reason
 * ("connect ECONNREFUSED 127.0.0.1:3210", a TLS error's code) in its cause.
 */
export function networkReason(cause: unknown): string {
  const message = cause instanceof Error ? cause.message : String(cause);
  const inner = cause instanceof Error ? (cause.cause as { message?: unknown; code?: unknown } | undefined) : undefined;
  if (typeof inner?.message !== "string" || !inner.message) return message;
  // OpenSSL's messages are a line of internals ("…:SSL routines:ssl3_get_record:wrong version number:…"): its code says it.
  const said = /\bSSL routines\b/.test(inner.message) && typeof inner.code === "string" ? inner.code : inner.message.split("\n")[0]!;
  return `${message} (${said})`;
}

export function abortedError(cause: unknown, what = "request"): AgentApiError {
  return new AgentApiError("aborted", `${what} was aborted`, { cause });
}

export function invalidResponse(message: string, cause: unknown, what = "request"): AgentApiError {
  return new AgentApiError("invalid_response", `${what} returned an unexpected body: ${message}`, { cause });
}
