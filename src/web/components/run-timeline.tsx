/** A task's runs as a timeline, each turn with its agent, status, duration and costs, and its Stop and Follow up (follow-up-form.tsx). */
import { useState } from "react";
import { isActive, isEnded } from "../../sdk/run-state.ts";
import { api } from "../api.ts";
import { formatDuration, formatUsd, runDuration } from "../format.ts";
import type { RunListItem } from "../types.ts";
import { RunBadge } from "./bits.tsx";
import { FollowUpForm } from "./follow-up-form.tsx";
import { UntoldMentions } from "./mention-picker.tsx";
import { useNow } from "./now.ts";
import { Empty, ErrorNote } from "./states.tsx";
import { useAction } from "./use-action.ts";

/** Who a follow-up can @mention: the task's workspace's people and the signed-in person's agents. */
interface Mentionable {
  workspaceId: string;
  agents: readonly { id: string; name: string }[];
}

export function RunTimeline({ runs, workspaceId, agents }: { runs: RunListItem[] } & Mentionable) {
  const now = useNow(runs.some((r) => r.status === "RUNNING"));
  const total = [...runs].reverse().find((r) => r.totalCostUsd !== null)?.totalCostUsd ?? null;
  return (
    <section className="runs" aria-labelledby="runs-title">
      <h2 id="runs-title">Runs</h2>
      {runs.length === 0 ? <Empty>Not delegated yet.</Empty> : (
        <ol className="timeline">
          {runs.map((run, i) => <RunItem key={run.id} run={run} turn={i + 1} now={now} workspaceId={workspaceId} agents={agents} />)}
        </ol>
      )}
      <p className="total" data-testid="task-total">Task total: <strong>{formatUsd(total)}</strong></p>
    </section>
  );
}

function RunItem({ run, turn, now, workspaceId, agents }: { run: RunListItem; turn: number; now: number } & Mentionable) {
  const stop = useAction();
  const follow = useAction();
  const [message, setMessage] = useState("");
  const [following, setFollowing] = useState(false);
  // Names the last follow-up @mentioned that more than one goes by: the hub told no one of them.
  const [untold, setUntold] = useState<string[]>([]);
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
      {isEnded(run.status) && !following && (
        <button type="button" className="secondary" onClick={() => { setUntold([]); setFollowing(true); }}>Follow up</button>
      )}
      {following && (
        <FollowUpForm runId={run.id} workspaceId={workspaceId} agents={agents} message={message} setMessage={setMessage} action={follow}
          onSent={(names) => { setUntold(names); setFollowing(false); }} onClose={() => setFollowing(false)} />
      )}
      <UntoldMentions names={untold} />
      {(stop.error || follow.error) && <ErrorNote error={(stop.error ?? follow.error)!} />}
    </li>
  );
}
