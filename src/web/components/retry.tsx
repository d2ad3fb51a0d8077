/**
 * Retry: a failed or stopped run run again (POST /runs/:id/retry), a new PENDING run of its agent on its task with
 * the same prompt, which the page's live query then shows; and, on the new run, what it retried.
 */
import { useState, type ReactNode } from "react";
import type { RunStatus } from "../../sdk/run-state.ts";
import { api } from "../api.ts";
import { ErrorNote } from "./states.tsx";
import { useAction } from "./use-action.ts";

/** The runs offered a Retry: those that went wrong. A finished one gets a follow-up instead (the API takes either). */
export const retryable = (status: RunStatus) => status === "ERROR" || status === "STOPPED";

/**
 * The button, what came of it ("Retried", or the hub's refusal in words, a 409 when the agent has a run going on
 * the task), and nothing else: the new run arrives with the live view. Disabled while the request runs, it gets the
 * focus back after (useAction). `what` names the run for a screen reader ("OpenClaw Bot on “Fix login”").
 */
export function RetryButton({ runId, what }: { runId: string; what: ReactNode }) {
  const retry = useAction();
  const [retried, setRetried] = useState(false);
  return (
    <div className="retry">
      <button type="button" className="secondary" disabled={retry.busy} onClick={() => void retry.run(async () => {
        setRetried(false);
        await api.retry(runId);
        setRetried(true);
      })}>
        Retry<span className="sr-only"> {what}</span>
      </button>
      <span role="status" className="note">{retried ? "Retried: a new run is waiting." : ""}</span>
      {retry.error && <ErrorNote error={retry.error} />}
    </div>
  );
}
