/** A task's runs as a timeline, each turn with its agent, status, duration and costs, and its Stop and Follow up. */
import { useState } from "react";
import { isActive, isEnded } from "../../sdk/run-state.ts";
import { api } from "../api.ts";
import { formatDuration, formatUsd, runDuration } from "../format.ts";
import type { RunListItem } from "../types.ts";
import { RunBadge } from "./bits.tsx";
import { useNow } from "./now.ts";
import { submitOnModEnter } from "./keys.ts";
import { Empty, ErrorNote } from "./states.tsx";
import { useAction } from "./use-action.ts";
import { isBlank } from "../../sdk/blank-text.ts";

export function RunTimeline({ runs }: { runs: RunListItem[] }) {
  const now = useNow(runs.some((r) => r.status === "RUNNING"));
  const total = [...runs].reverse().find((r) => r.totalCostUsd !== null)?.totalCostUsd ?? null;
  return (
    <section className="runs" aria-labelledby="runs-title">
      <h2 id="runs-title">Runs</h2>
      {runs.length === 0 ? <Empty>Not delegated yet.</Empty> : (
        <ol className="timeline">
          {runs.map((run, i) => <RunItem key={run.id} run={run} turn={i + 1} now={now} />)}
        </ol>
      )}
      <p className="total" data-testid="task-total">Task total: <strong>{formatUsd(total)}</strong></p>
    </section>
  );
}

function RunItem({ run, turn, now }: { run: RunListItem; turn: number; now: number }) {
  const stop = useAction();
  const follow = useAction();
  const [message, setMessage] = useState("");
  const [following, setFollowing] = useState(false);
  const duration = runDuration(run, now);
  return (
    <li className="run" data-run-id={run.id} data-status={run.status}>
      <div className="run-head">
        <span>Turn {turn} · {run.agent.name}</span>
        <RunBadge status={run.status} />
      </div>
      {run.lastFollowUpMessage ? <p className="prompt">Follow-up: {run.lastFollowUpMessage}</p> : run.prompt && <p className="prompt">Prompt: {run.prompt}</p>}
      <dl className="run-stats">
        <div><dt>Duration</dt><dd>{duration === null ? "not started" : formatDuration(duration)}</dd></div>
        <div><dt>Turn cost</dt><dd>{formatUsd(run.stepCostUsd)}</dd></div>
        <div><dt>Total</dt><dd>{formatUsd(run.totalCostUsd)}</dd></div>
      </dl>
      {isActive(run.status) && (
        <button type="button" className="danger" disabled={stop.busy} onClick={() => void stop.run(() => api.stop(run.id))}>Stop run</button>
      )}
      {isEnded(run.status) && !following && <button type="button" className="secondary" onClick={() => setFollowing(true)}>Follow up</button>}
      {following && (
        <form aria-label="Follow-up" onSubmit={async (event) => {
          event.preventDefault();
          if (await follow.run(() => api.followUp(run.id, message.trim()))) { setMessage(""); setFollowing(false); }
        }} onKeyDown={(event) => { if (event.key === "Escape") setFollowing(false); }}>
          <label>Follow-up message <textarea rows={2} value={message} onChange={(e) => setMessage(e.target.value)} onKeyDown={submitOnModEnter} autoFocus /></label>
          <div className="row">
            <button type="submit" disabled={follow.busy || isBlank(message)}>Send follow-up</button>
            <button type="button" className="secondary" onClick={() => setFollowing(false)}>Cancel</button>
          </div>
        </form>
      )}
      {(stop.error || follow.error) && <ErrorNote error={(stop.error ?? follow.error)!} />}
    </li>
  );
}
