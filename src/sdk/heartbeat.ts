/**
 * Keeps a RUNNING run's lease alive while its executor works, by calling
 * `POST /runs/:id/heartbeat` every `intervalMs`. While the client has
 * heartbeats paused (the API has no such endpoint, as hosted GroupChat may
 * not) a tick sends nothing, and beating resumes when the client's probe finds
 * them back. Stops on its own when the signal aborts, or when a 409 says the
 * run ended or a 404 that it is gone, once `confirmGone` agrees (reported
 * through `onConflict`, the latter with no status; an unconfirmed 404 is
 * reported through `onError` and beating goes on). A 405 after heartbeats went through is a misrouted
 * call, not a gone run: reported, and beating goes on.
 */
import type { AgentApiClient } from "./client.ts";
import type { Clock } from "./clock.ts";
import { isAgentApiError, isMisrouted } from "./errors.ts";
import type { RunStatus } from "./run-state.ts";

export interface HeartbeatOptions {
  api: Pick<AgentApiClient, "heartbeat">;
  runId: string;
  intervalMs: number;
  clock: Clock;
  signal: AbortSignal;
  onConflict: (status: RunStatus | null) => void;
  /** Asked about a 404: is the run really gone (not a proxy's hiccup)? */
  confirmGone: (signal: AbortSignal) => Promise<boolean>;
  onError: (error: unknown) => void;
}

/** Starts beating; returns a function that stops it. */
export function startHeartbeat(o: HeartbeatOptions): () => void {
  let cancel: (() => void) | null = null;
  let stopped = false;
  const stop = () => {
    stopped = true;
    cancel?.();
  };
  const beat = async () => {
    try {
      await o.api.heartbeat(o.runId, { signal: o.signal });
    } catch (error) {
      if (o.signal.aborted || stopped) return;
      if (isAgentApiError(error, "conflict")) return (stop(), o.onConflict(error.runStatus));
      if (isAgentApiError(error, "not_found") && !isMisrouted(error)) {
        const gone = await o.confirmGone(o.signal).catch(() => false);
        if (o.signal.aborted || stopped) return;
        if (gone) return (stop(), o.onConflict(null));
      }
      o.onError(error);
    }
    schedule();
  };
  const schedule = () => {
    if (stopped || o.signal.aborted) return;
    cancel = o.clock.setTimeout(() => void beat(), o.intervalMs);
  };
  o.signal.addEventListener("abort", stop, { once: true });
  schedule();
  return () => {
    o.signal.removeEventListener("abort", stop);
    stop();
  };
}
