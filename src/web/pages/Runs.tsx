/**
 * What your agents are doing now, and what failed: their runs across your workspaces, live, newest first;
 * filtered by status (Active, Failed, All) and agent, both kept in the address (`?status=failed&agent=…`).
 */
import { useEffect, useState, type RefObject } from "react";
import { isActive } from "../../sdk/run-state.ts";
import { api } from "../api.ts";
import { Link, RunBadge } from "../components/bits.tsx";
import { focusLost, focusNextRow, useFocusOnMore } from "../components/focus.ts";
import { useNow } from "../components/now.ts";
import { usePageTitle } from "../components/page-title.ts";
import { RetryButton, retryable } from "../components/retry.tsx";
import { Empty, ErrorNote, LiveView, Loading } from "../components/states.tsx";
import { useAction } from "../components/use-action.ts";
import { formatDuration, formatTime, formatUsd, runDuration } from "../format.ts";
import { useLive, useShownView } from "../live.ts";
import { queryParam, replaceQueryParam } from "../router.ts";
import { countsSentence, RUN_FILTERS, runFilterOf, type RunFilter } from "../run-filter.ts";
import type { OwnerRun, RunsView } from "../types.ts";

/** Runs shown at first, and how many more each "Show more" adds, up to the hub's bound (owner:runs' limit). */
const PAGE = 50;
const MAX = 500;

const EMPTY: Record<RunFilter["id"], string> = {
  active: "Nothing running or waiting: your agents are idle.",
  failed: "No failed runs.",
  all: "No runs yet: delegate a task to one of your agents from the task's page.",
};

export function Runs() {
  const [filter, setFilter] = useState(() => runFilterOf(queryParam("status")));
  const [agentId, setAgentId] = useState(() => queryParam("agent"));
  const [limit, setLimit] = useState(PAGE);
  const args: Record<string, string | number | readonly string[]> = { limit };
  if (filter.statuses) args.status = filter.statuses;
  if (agentId) args.agentId = agentId;
  const live = useLive<RunsView>("runs", args, { keepPrevious: true });
  // Another filter's runs, on screen until this one's come, are not listed under its chip.
  const view = JSON.stringify([filter.id, agentId]);
  const listed = useShownView(live, view) === view;
  usePageTitle("Runs");
  // Show more: the focus goes to the first run it brings (the button goes once there are no more).
  const more = useFocusOnMore<HTMLUListElement>(live.status === "ready" ? live.data.runs.length : 0, "a.card-title");
  const choose = (next: RunFilter) => {
    setFilter(next);
    setLimit(PAGE);
    replaceQueryParam("status", next.id === "active" ? "" : next.id);
  };
  return (
    <section aria-labelledby="runs-title">
      <h1 id="runs-title">Runs</h1>
      <LiveView live={live} what="runs">
        {(view) => (
          <>
            <p className="meta" data-testid="run-counts">{countsSentence(view.counts)}</p>
            <div className="run-filters row">
              <div role="group" aria-label="Show runs" className="row">
                {RUN_FILTERS.map((f) => (
                  <button key={f.id} type="button" className="chip" aria-pressed={f.id === filter.id} onClick={() => choose(f)}>{f.label}</button>
                ))}
              </div>
              <label>Agent{" "}
                <select value={agentId} onChange={(e) => {
                  setAgentId(e.target.value);
                  setLimit(PAGE);
                  replaceQueryParam("agent", e.target.value);
                }}>
                  <option value="">All agents</option>
                  {view.agents.map((a) => <option key={a.id} value={a.id}>{a.name}</option>)}
                  {/* The address names one not on the list (deleted, here or in another tab): said, or the select would show All. */}
                  {agentId && !view.agents.some((a) => a.id === agentId) && <option value={agentId}>{goneAgentName(view.runs, agentId)}</option>}
                </select>
              </label>
            </div>
            <h2 className="sr-only">{filter.label} runs</h2>
            {!listed ? <Loading what="runs" /> : <RunList runs={view.runs} empty={EMPTY[filter.id]} agents={view.agents} list={more.list} />}
            {listed && view.more && (limit < MAX
              ? <button type="button" className="secondary more" onClick={() => { more.more(); setLimit(Math.min(limit + PAGE, MAX)); }}>Show more</button>
              : <p className="meta">Older runs are not shown here: pick an agent, or list them with GET /api/v1/runs.</p>)}
          </>
        )}
      </LiveView>
    </section>
  );
}

/** An agent the filter names that is no longer among yours: by its runs' name for it. */
function goneAgentName(runs: OwnerRun[], agentId: string): string {
  const name = runs.find((r) => r.agent.id === agentId)?.agent.name;
  return name ? `${name} (deleted)` : "An agent no longer yours";
}

/** The pressed filter chip: where the focus goes when a stop leaves no row to take it. */
const toFilter = () => document.querySelector('[role="group"] [aria-pressed="true"]');

/** The runs, or `empty` in words; mounted either way, so a stop that empties it still moves the focus. */
function RunList({ runs, empty, agents, list }: {
  runs: OwnerRun[];
  empty: string;
  agents: RunsView["agents"];
  /** The list's element, for Show more's focus (useFocusOnMore) and a stop's. */
  list: RefObject<HTMLUListElement | null>;
}) {
  const now = useNow(runs.some((r) => r.status === "RUNNING"));
  // A run stopped: once the live list has it stopped (its Stop gone) or gone (Active), the focus, if dropped with
  // them, goes to the row now in its place (its own, under All), as after a row removed elsewhere.
  const [stopped, setStopped] = useState<{ id: string; at: number } | null>(null);
  useEffect(() => {
    if (!stopped) return;
    const run = runs.find((r) => r.id === stopped.id);
    if (run && isActive(run.status)) return;
    setStopped(null);
    if (focusLost()) focusNextRow(list.current, stopped.at, "button, a", toFilter());
  }, [runs, stopped, list]);
  if (runs.length === 0) return <Empty>{empty}</Empty>;
  return (
    <ul className="run-list" ref={list}>
      {runs.map((run, at) => (
        // A deleted agent's runs (no longer among yours) cannot be run again: the hub would say to delegate to another.
        <RunRow key={run.id} run={run} now={now} onStopped={() => setStopped({ id: run.id, at })} canRetry={agents.some((a) => a.id === run.agent.id)} />
      ))}
    </ul>
  );
}

function RunRow({ run, now, onStopped, canRetry }: { run: OwnerRun; now: number; onStopped: () => void; canRetry: boolean }) {
  const stop = useAction();
  const duration = runDuration(run, now);
  return (
    <li className="card run-row" data-run-id={run.id} data-status={run.status}>
      <div className="run-head">
        <span><RunBadge status={run.status} /> {run.agent.name}</span>
        {isActive(run.status) && (
          <button type="button" className="danger" disabled={stop.busy} onClick={() => void stop.run(async () => {
            await api.stop(run.id);
            onStopped();
          })}>
            Stop<span className="sr-only"> {run.agent.name} on “{run.taskTitle}”</span>
          </button>
        )}
      </div>
      <Link to={`/tasks/${run.taskId}`} className="card-title">{run.taskTitle}</Link>
      {run.retryOf !== null && (
        <p className="retry-of">Retry of <Link to={`/tasks/${run.taskId}#run-${run.retryOf}`}>an earlier run<span className="sr-only"> on “{run.taskTitle}”</span></Link></p>
      )}
      <dl className="run-stats">
        <div><dt>{run.startedAt !== null ? "Started" : run.status === "PENDING" ? "Waiting since" : "Delegated"}</dt><dd>{formatTime(run.startedAt ?? run.createdAt)}</dd></div>
        {run.endedAt !== null && <div><dt>Ended</dt><dd>{formatTime(run.endedAt)}</dd></div>}
        <div><dt>Duration</dt><dd>{duration === null ? "not started" : formatDuration(duration)}</dd></div>
        <div><dt>Cost</dt><dd>{formatUsd(run.stepCostUsd)}</dd></div>
      </dl>
      {/* Its first lines: the whole is on the task's page. */}
      {run.error !== null && <p className="run-why">{run.error}</p>}
      {canRetry && retryable(run.status) && <RetryButton runId={run.id} what={<>{run.agent.name} on “{run.taskTitle}”</>} />}
      {stop.error && <ErrorNote error={stop.error} />}
    </li>
  );
}
