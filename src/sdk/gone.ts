/**
 * Is a run that answered 404 (to its claim, or once started) really gone? A 404 can come from something in front of the API (a proxy's
 * hiccup, a deploy half done), and letting a live run go strands it RUNNING with its work thrown away. So the run
 * is read again, up to `reads` times, `firstMs` apart and twice as long each time (at most `maxMs`): gone only
 * when every read answers 404 too. A read that succeeds says it is there; one that fails otherwise (network, 5xx)
 * or is aborted says nothing, and nothing is let go on nothing: the caller tries its call again, and asks anew
 * at its next 404.
 */
import { sleep, type Clock } from "./clock.ts";
import { isAgentApiError, isMisrouted } from "./errors.ts";

export interface GoneCheck {
  /** Re-reads before a run counts as gone. Default 3. */
  reads?: number;
  /** Wait before the first re-read; each next waits twice as long. Default 1 s. */
  firstMs?: number;
  /** The longest wait. Default 30 s. */
  maxMs?: number;
}

/** The wait before re-read `n` (from 0). */
export function goneCheckDelay(n: number, check: GoneCheck = {}): number {
  return Math.min(check.maxMs ?? 30_000, (check.firstMs ?? 1_000) * 2 ** n);
}

/** True once `read` (the run's `GET`) answered 404 `reads` times in a row. */
export async function confirmGone(
  read: (signal: AbortSignal) => Promise<unknown>, options: GoneCheck & { clock: Clock; signal: AbortSignal },
): Promise<boolean> {
  const reads = options.reads ?? 3;
  for (let n = 0; n < reads; n++) {
    try {
      await sleep(options.clock, goneCheckDelay(n, options), options.signal);
      await read(options.signal);
      return false;
    } catch (error) {
      if (!isAgentApiError(error, "not_found") || isMisrouted(error)) return false;
    }
  }
  return true;
}
