/**
 * A task's runs as a timeline, each turn with its agent, status, duration and costs, and its Stop, Follow up
 * (follow-up-form.tsx) and Retry (retry.tsx); a retry says which turn it ran again.
 */
import { useEffect, useRef, useState } from "react";
import { isActive, isEnded } from "../../sdk/run-state.ts";
import { api } from "../api.ts";
import { formatDuration, formatUsd, runDuration } from "../format.ts";
import type { OwnerRunItem } from "../types.ts";
import { RunBadge } from "./bits.tsx";
import { FollowUpForm } from "./follow-up-form.tsx";
import { UntoldMentions } from "./mention-picker.tsx";
import { useNow } from "./now.ts";
import { RetryButton, retryable } from "./retry.tsx";
import { Empty, ErrorNote } from "./states.tsx";
import { useAction } from "./use-action.ts";

/** Who a follow-up can @mention: the task's workspace's people and the signed-in person's agents. */
interface Mentionable {
  workspaceId: string;
  agents: readonly { id: string; name: string }[];
}

export function RunTimeline({ runs, workspaceId, agents }: { runs: OwnerRunItem[] } & Mentionable) {
  const now = useNow(runs.some((r) => r.status === "RUNNING"));
  const total = [...runs].reverse().find((r) => r.totalCostUsd !== null)?.totalCostUsd ?? null;
  return (
    <section className="runs" aria-labelledby="runs-title">
      <h2 id="runs-title">Runs</h2>
      {runs.length === 0 ? <Empty>Not delegated yet.</Empty> : (
        <ol className="timeline">
          {runs.map((run, i) => (
            <RunItem key={run.id} run={run} turn={i + 1} now={now} workspaceId={workspaceId} agents={agents}
              retriedTurn={run.retryOf === null ? null : runs.findIndex((r) => r.id === run.retryOf) + 1 || null} />
          ))}
        </ol>
      )}
      <p className="total" data-testid="task-total">Task total: <strong>{formatUsd(total)}</strong></p>
    </section>
  );
}

/** The timeline's entry of a run: `#run-<id>`, as the Runs page's "Retry of" links to it. */
const anchorOf = (runId: string) => `run-${runId}`;

/** Goes to the turn (scrolled to, and focused for the keyboard) without a navigation: the page stays as it is. */
function TurnLink({ runId, turn }: { runId: string; turn: number }) {
  return (
    <a href={`#${anchorOf(runId)}`} onClick={(event) => {
      event.preventDefault();
      const entry = document.getElementById(anchorOf(runId));
      entry?.scrollIntoView({ block: "nearest" });
      entry?.focus();
    }}>turn {turn}</a>
  );
}

function RunItem({ run, turn, now, workspaceId, agents, retriedTurn }: {
  run: OwnerRunItem; turn: number; now: number; retriedTurn: number | null;
} & Mentionable) {
  const stop = useAction();
  // Opened from a link to this run (the Runs page's "Retry of"): it is shown.
  const entry = useRef<HTMLLIElement>(null);
  useEffect(() => {
    if (location.hash === `#${anchorOf(run.id)}`) entry.current?.scrollIntoView({ block: "center" });
  }, [run.id]);
  const follow = useAction();
  const [message, setMessage] = useState("");
  const [following, setFollowing] = useState(false);
  // Names the last follow-up @mentioned that more than one goes by: the hub told no one of them.
  const [untold, setUntold] = useState<string[]>([]);
  const duration = runDuration(run, now);
  // Only the agent's creator may follow a run up or run it again (the hub refuses anyone else): your live agents' runs.
  const yours = agents.some((a) => a.id === run.agent.id);
  const canFollowUp = yours && isEnded(run.status) && !following;
  const canRetry = yours && retryable(run.status);
  return (
    <li className="run" data-run-id={run.id} data-status={run.status} id={anchorOf(run.id)} tabIndex={-1} ref={entry}>
      <div className="run-head">
        <span>Turn {turn} · {run.agent.name}</span>
        <RunBadge status={run.status} />
      </div>
      {run.retryOf !== null && (
        <p className="retry-of">Retry of {retriedTurn === null ? "an earlier run" : <TurnLink runId={run.retryOf} turn={retriedTurn} />}</p>
      )}
      {run.lastFollowUpMessage ? <p className="prompt">Follow-up: {run.lastFollowUpMessage}</p> : run.prompt && <p className="prompt">Prompt: {run.prompt}</p>}
      <dl className="run-stats">
        <div><dt>Duration</dt><dd>{duration === null ? "not started" : formatDuration(duration)}</dd></div>
        <div><dt>Turn cost</dt><dd>{formatUsd(run.stepCostUsd)}</dd></div>
        <div><dt>Total</dt><dd>{formatUsd(run.totalCostUsd)}</dd></div>
      </dl>
      {isActive(run.status) && (
        <button type="button" className="danger" disabled={stop.busy} aria-label={`Stop run: turn ${turn}, ${run.agent.name}`}
          onClick={() => void stop.run(() => api.stop(run.id))}>Stop run</button>
      )}
      {(canFollowUp || canRetry) && (
        <div className="run-actions">
          {canFollowUp && <button type="button" className="secondary" aria-label={`Follow up turn ${turn}, ${run.agent.name}`}
            onClick={() => { setUntold([]); setFollowing(true); }}>Follow up</button>}
          {canRetry && <RetryButton runId={run.id} what={`turn ${turn}, ${run.agent.name}`} />}
        </div>
      )}
      {following && (
        <FollowUpForm runId={run.id} workspaceId={workspaceId} agents={agents} message={message} setMessage={setMessage} action={follow}
          onSent={(names) => {
            setUntold(names);
            setFollowing(false);
            // The form goes with the focus: it goes to the run, whose new turn it sent.
            entry.current?.focus();
          }} onClose={() => setFollowing(false)} />
      )}
      <UntoldMentions names={untold} />
      {(stop.error || follow.error) && <ErrorNote error={(stop.error ?? follow.error)!} />}
    </li>
  );
}
