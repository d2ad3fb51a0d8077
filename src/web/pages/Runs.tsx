/**
 * What your agents are doing now, and what failed: their runs across your workspaces, live, newest first;
 * filtered by status (Active, Failed, All) and agent, both kept in the address (`?status=failed&agent=…`).
 */
import { useState } from "react";
import { isActive } from "../../sdk/run-state.ts";
import { api } from "../api.ts";
import { Link, RunBadge } from "../components/bits.tsx";
import { useNow } from "../components/now.ts";
import { usePageTitle } from "../components/page-title.ts";
import { Empty, ErrorNote, LiveView } from "../components/states.tsx";
import { useAction } from "../components/use-action.ts";
import { formatDuration, formatTime, formatUsd, runDuration } from "../format.ts";
import { useLive } from "../live.ts";
import { queryParam, replaceQueryParam } from "../router.ts";
import { countsSentence, RUN_FILTERS, runFilterOf, runsInFilter, type RunFilter } from "../run-filter.ts";
import type { RunListItem, RunsView } from "../types.ts";

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
  usePageTitle("Runs");
  const choose = (next: RunFilter) => {
    setFilter(next);
    setLimit(PAGE);
    replaceQueryParam("status", next.id === "active" ? "" : next.id);
  };
  return (
    <section aria-labelledby="runs-title">
      <h1 id="runs-title">Runs</h1>
      <LiveView live={live} what="runs">
        {(view) => {
          const total = runsInFilter(filter, view.counts);
          return (
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
                  </select>
                </label>
              </div>
              <h2 className="sr-only">{filter.label} runs</h2>
              {view.runs.length === 0 ? <Empty>{EMPTY[filter.id]}</Empty> : <RunList runs={view.runs} />}
              {total > view.runs.length && (limit < MAX ? (
                <button type="button" className="secondary more" onClick={() => setLimit(Math.min(limit + PAGE, MAX))}>
                  Show more ({total - view.runs.length} not shown)
                </button>
              ) : <p className="meta">{total - view.runs.length} more not shown</p>)}
            </>
          );
        }}
      </LiveView>
    </section>
  );
}

function RunList({ runs }: { runs: RunListItem[] }) {
  const now = useNow(runs.some((r) => r.status === "RUNNING"));
  return <ul className="run-list">{runs.map((run) => <RunRow key={run.id} run={run} now={now} />)}</ul>;
}

function RunRow({ run, now }: { run: RunListItem; now: number }) {
  const stop = useAction();
  const duration = runDuration(run, now);
  return (
    <li className="card run-row" data-run-id={run.id} data-status={run.status}>
      <div className="run-head">
        <span><RunBadge status={run.status} /> {run.agent.name}</span>
        {isActive(run.status) && (
          <button type="button" className="danger" disabled={stop.busy} onClick={() => void stop.run(() => api.stop(run.id))}>
            Stop<span className="sr-only"> {run.agent.name} on “{run.taskTitle}”</span>
          </button>
        )}
      </div>
      <Link to={`/tasks/${run.taskId}`} className="card-title">{run.taskTitle}</Link>
      <dl className="run-stats">
        <div><dt>{run.startedAt === null ? "Waiting since" : "Started"}</dt><dd>{formatTime(run.startedAt ?? run.createdAt)}</dd></div>
        {run.endedAt !== null && <div><dt>Ended</dt><dd>{formatTime(run.endedAt)}</dd></div>}
        <div><dt>Duration</dt><dd>{duration === null ? "not started" : formatDuration(duration)}</dd></div>
        <div><dt>Cost</dt><dd>{formatUsd(run.stepCostUsd)}</dd></div>
      </dl>
      {stop.error && <ErrorNote error={stop.error} />}
    </li>
  );
}
