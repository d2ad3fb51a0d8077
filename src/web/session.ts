/**
 * Who is signed in, as the hub says at load. When it cannot say (no answer, a proxy's 5xx: the hub
 * restarting, say) the cookie may well be good, so the page asks again by itself until it can:
 *
 *   checking ──answer──▶ in | out
 *      │   ▲
 *      │   └────── Try again ──────┐
 *      └──no answer or 5xx──▶ unknown ──retry delay over, tab shown again, back online──▶ asks, on this screen:
 *                                answer ▶ in | out; none ▶ unknown, one failure more (a longer delay)
 *
 * The delay is 1 s doubling to 30 s, counted afresh after an answer; a hidden page does not ask (it
 * asks at once when shown again). Only "Try again" shows "checking": asking by itself, the page stays.
 * A 429 or 503 with `Retry-After` is the hub asking for time: no check by itself before that is over
 * (shown again or back online, it waits out the rest), up to 5 minutes; Try again, a person's click, asks anyway.
 */
import { useCallback, useEffect, useRef, useState } from "react";
import { backoffDelay } from "../sdk/retry.ts";
import { api, ApiError, type SessionInfo } from "./api.ts";

/**
 * "unknown": the hub could not say; `failures` checks in a row so, which sets the wait before the next,
 * and `retryAfterMs` what the last answer's `Retry-After` asked for (null: nothing).
 */
export type Auth =
  | { state: "checking" }
  | { state: "unknown"; error: string; failures: number; retryAfterMs: number | null }
  | { state: "out"; error?: string }
  | { state: "in"; session: SessionInfo };

export const SESSION_RETRY = { baseDelayMs: 1_000, maxDelayMs: 30_000, maxRetryAfterMs: 300_000 };

/**
 * How long the hub's `Retry-After` holds the page back: at most 5 minutes, as a day asked for (a proxy's setting,
 * say) would leave a page that looks dead.
 */
export function hubWait(retryAfterMs: number | null): number {
  return Math.min(Math.max(0, retryAfterMs ?? 0), SESSION_RETRY.maxRetryAfterMs);
}

/**
 * How long to wait before asking again, after `failures` checks in a row got no answer (1 or more), the last
 * one's `Retry-After` being `retryAfterMs`: the backoff, or the hub's wait when that is longer.
 */
export function sessionRetryDelay(failures: number, retryAfterMs: number | null = null, random?: () => number): number {
  return Math.max(hubWait(retryAfterMs), backoffDelay(failures - 1, SESSION_RETRY, random));
}

export function useSession() {
  const [auth, setAuth] = useState<Auth>({ state: "checking" });
  // Only the latest check's answer counts: one asked by itself may still be out when Try again asks anew.
  const latest = useRef(0);

  const check = useCallback((failures: number) => {
    const mine = ++latest.current;
    api.session().then(
      (session) => { if (mine === latest.current) setAuth({ state: "in", session }); },
      (error) => {
        if (mine !== latest.current) return;
        setAuth(error instanceof ApiError && error.status === 401
          ? { state: "out" }
          : { state: "unknown", error: (error as Error).message, failures: failures + 1, retryAfterMs: error instanceof ApiError ? error.retryAfterMs : null });
      },
    );
  }, []);

  useEffect(() => check(0), [check]);

  // Asking again by itself, once per unknown state: its answer makes the next state (and so the next wait).
  useEffect(() => {
    if (auth.state !== "unknown") return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let asked = false;
    // Not before the hub's own wait is over, whatever brings the page to ask.
    const notBefore = Date.now() + hubWait(auth.retryAfterMs);
    const again = () => {
      if (asked) return;
      clearTimeout(timer);
      const left = notBefore - Date.now();
      if (left > 0) {
        timer = setTimeout(again, left);
        return;
      }
      asked = true;
      check(auth.failures);
    };
    const wait = () => {
      clearTimeout(timer);
      timer = document.hidden ? undefined : setTimeout(again, sessionRetryDelay(auth.failures, auth.retryAfterMs));
    };
    const onVisibility = () => (document.hidden ? wait() : again());
    wait();
    document.addEventListener("visibilitychange", onVisibility);
    window.addEventListener("online", again);
    return () => {
      asked = true;
      clearTimeout(timer);
      document.removeEventListener("visibilitychange", onVisibility);
      window.removeEventListener("online", again);
    };
  }, [auth, check]);

  /** Try again, now: shows "checking" until the answer. */
  function retry() {
    const failures = auth.state === "unknown" ? auth.failures : 0;
    setAuth({ state: "checking" });
    check(failures);
  }

  return { auth, setAuth, retry };
}
