/**
 * The retry policy as data, and the pure decisions made from it: how long to
 * wait before the next attempt, and whether an error deserves one at all.
 *
 * Retryable: network errors (timeouts included), 429 (waiting at least its
 * `Retry-After`) and 5xx. Everything else (401, 404, 409, 400…) is an answer,
 * not a fault, and so is an error marked final.
 */

export interface RetryPolicy {
  /** Attempts in all, the first one included (1 = never retry). */
  maxAttempts: number;
  /** The first retry waits around this long; each further one twice as long. */
  baseDelayMs: number;
  /** No backoff delay exceeds this. */
  maxDelayMs: number;
  /** A `Retry-After` longer than this is not waited out: the error goes to the caller. */
  maxRetryAfterMs: number;
  /** Error `code`s worth another attempt. */
  retryableCodes: readonly string[];
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({
  maxAttempts: 5,
  baseDelayMs: 250,
  maxDelayMs: 8_000,
  maxRetryAfterMs: 60_000,
  retryableCodes: Object.freeze(["network", "rate_limited", "server"]),
});

/** A source of uniform numbers in [0, 1), injectable so tests can fix the jitter. */
export type Random = () => number;

/**
 * Capped exponential backoff with "equal jitter": half of the step is fixed and
 * half is random, so retries spread out yet never fire at once. `retry` counts
 * from 0 (the wait before the second attempt).
 */
export function backoffDelay(retry: number, policy: Pick<RetryPolicy, "baseDelayMs" | "maxDelayMs">, random: Random = Math.random): number {
  const step = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, retry));
  return Math.round(step / 2 + (step / 2) * random());
}

/**
 * `Retry-After` in milliseconds from now: either delay-seconds or an HTTP-date.
 * Null when absent or unreadable; never negative.
 */
export function parseRetryAfter(value: string | null | undefined, now: number): number | null {
  if (value == null) return null;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  // An HTTP-date names its weekday and month; without letters, Date.parse would read "-5" as a year.
  const date = /[a-z]/i.test(text) ? Date.parse(text) : NaN;
  if (Number.isNaN(date)) return null;
  return Math.max(0, date - now);
}

const FINAL = Symbol.for("openclaw-groupchat.sdk.final");

/** Marks an error so no retry loop tries again, whatever its code. Returns it. */
export function markFinal<E>(error: E): E {
  if (typeof error === "object" && error !== null) {
    Object.defineProperty(error, FINAL, { value: true, enumerable: false });
  }
  return error;
}

export function isFinal(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as Record<symbol, unknown>)[FINAL] === true;
}

function fieldOf(error: unknown, key: string): unknown {
  return typeof error === "object" && error !== null ? (error as Record<string, unknown>)[key] : undefined;
}

export function isRetryable(error: unknown, policy: Pick<RetryPolicy, "retryableCodes"> = DEFAULT_RETRY_POLICY): boolean {
  if (isFinal(error)) return false;
  const code = fieldOf(error, "code");
  return typeof code === "string" && policy.retryableCodes.includes(code);
}

export type RetryDecision =
  | { retry: true; delayMs: number }
  | { retry: false; reason: "not_retryable" | "attempts_exhausted" | "retry_after_too_long" };

/**
 * After `attempts` failed attempts ending in `error`: try again, and when?
 * A `retryAfterMs` on the error (from `Retry-After`) is a floor for the delay.
 */
export function decideRetry(error: unknown, attempts: number, policy: RetryPolicy = DEFAULT_RETRY_POLICY, random: Random = Math.random): RetryDecision {
  if (!isRetryable(error, policy)) return { retry: false, reason: "not_retryable" };
  if (attempts >= policy.maxAttempts) return { retry: false, reason: "attempts_exhausted" };
  const retryAfter = fieldOf(error, "retryAfterMs");
  const floor = typeof retryAfter === "number" ? retryAfter : 0;
  if (floor > policy.maxRetryAfterMs) return { retry: false, reason: "retry_after_too_long" };
  return { retry: true, delayMs: Math.max(floor, backoffDelay(attempts - 1, policy, random)) };
}
