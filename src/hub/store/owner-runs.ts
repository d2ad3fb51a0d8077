/**
 * The runs a person sees as their owner (GET /runs, owner:runs): those of the agents they created, across
 * their workspaces, newest first. A run's owner is its agent's creator (only the creator delegates to an
 * agent or sends it a follow-up: services/runs.ts), so they are one range of runs_owner_status per status,
 * merged. (One index, not also one on (owner_id, id) for all statuses: each index on runs costs every
 * lifecycle's writes, and that one cost ~3.5 % of bench/lifecycle's lifecycles/s.) One agent's runs are read off the
 * indexes by agent that were there already (pageOf). As on the Agents page, a run in a workspace they are no longer in is
 * not listed (nor counted): its task is the workspace's, not theirs.
 */
import type { Reader, SqlValue } from "../db/port.ts";
import { RUN_STATUSES, type RunStatus } from "../../sdk/run-state.ts";
import { RUN_SELECT, runSelectIndexedBy, toOwnerRunListItem, type OwnerRunListItem, type RunJoined } from "./runs.ts";
import { LIVE_TASK } from "./tasks.ts";

/** Which of the person's runs: of one agent, in one workspace; each given filter narrows. */
export interface OwnerRunScope {
  userId: string;
  agentId?: string | undefined;
  workspaceId?: string | undefined;
}

export interface OwnerRunFilter extends OwnerRunScope {
  /** Only runs in one of these statuses (all of them when absent or empty). */
  statuses?: readonly RunStatus[] | undefined;
  /** Only runs older than this run id (ids sort by creation): the next page's cursor. */
  before?: string | undefined;
  limit: number;
}

// The person still in the task's workspace: one probe of workspace_members' primary key per run read.
const STILL_MEMBER = "EXISTS (SELECT 1 FROM workspace_members m WHERE m.workspace_id = t.workspace_id AND m.user_id = r.owner_id)";

/**
 * The index a read of the scope's runs goes by: the person's runs of a status (runs_owner_status), or, with an
 * agent given, that agent's (runs_agent, runs_agent_status), so a person with many agents does not walk the
 * others' runs to find one's. The agent's runs are all its creator's, so `r.owner_id = ?` keeps the same rows
 * either way (none, for someone else's agent).
 */
type Index = "owner" | "agent";

/**
 * The scope's conditions. The unary + keeps SQLite, which has no statistics, off every index but the one chosen
 * (it would read the runs by agent or the tasks by workspace and then sort them, where the owner's range is in
 * order already); PostgreSQL has no + for text, and its statistics choose.
 */
function scopeWhere(sql: Reader, s: OwnerRunScope, by: Index): { where: string[]; params: SqlValue[] } {
  const plus = sql.dialect === "postgres" ? "" : "+";
  // PostgreSQL's planner, from runs_owner_status's statistics, could still walk the owner's runs: `|| ''` keeps it off.
  const where = [by === "owner" ? "r.owner_id = ?" : sql.dialect === "postgres" ? "r.owner_id || '' = ?" : "+r.owner_id = ?", STILL_MEMBER];
  const params: SqlValue[] = [s.userId];
  if (s.agentId !== undefined) { where.push(by === "agent" ? "r.agent_id = ?" : `${plus}r.agent_id = ?`); params.push(s.agentId); }
  if (s.workspaceId !== undefined) { where.push(`${plus}t.workspace_id = ?`); params.push(s.workspaceId); }
  return { where, params };
}

/** A run in the person's list: a failed one says why (`error`). */
export type OwnerRun = OwnerRunListItem & { error: string | null };

/**
 * One page of the runs, newest first: one range of runs_owner_status per status asked for (all five when none),
 * merged; with an agent given, one range of its runs per status (all of them in one when none: pageOf).
 */
export async function listRunsForOwner(sql: Reader, f: OwnerRunFilter): Promise<OwnerRun[]> {
  const statuses = f.statuses?.length ? [...new Set(f.statuses)] : f.agentId === undefined ? RUN_STATUSES : [null];
  const pages = await Promise.all(statuses.map((status) => pageOf(sql, f, status)));
  const rows = pages.length === 1 ? pages[0]! : pages.flat().sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0)).slice(0, f.limit);
  const reasons = await failureReasons(sql, rows.filter((r) => r.status === "ERROR").map((r) => r.id));
  return rows.map((row) => Object.assign(toOwnerRunListItem(row), { error: reasons.get(row.id) ?? null }));
}

/**
 * Why each of these ERROR runs failed, as its task's feed says: the words its agent ended it with (the comment that
 * came with the status change), or the hub's own on the status change ("Agent stopped responding"). A run's feed
 * ends there, so its two newest entries off activity_run hold it, however many progress comments came before: two
 * probes of activity_run per run, all in one statement (a full page of failures is 500 of them).
 */
export async function failureReasons(sql: Reader, runIds: readonly string[]): Promise<Map<string, string>> {
  if (runIds.length === 0) return new Map();
  // The list padded to a power of two with its last id: a handful of statement texts, not one per page length (PostgreSQL
  // prepares each text once per connection).
  const ids = [...runIds, ...Array<string>(2 ** Math.ceil(Math.log2(runIds.length)) - runIds.length).fill(runIds.at(-1)!)];
  // Each run's feed from its second newest entry on (all of it when it has one): a range of activity_run.
  const rows = await sql.all<{ run_id: string; id: string; type: string; body: string; to_status: string | null }>(
    `SELECT a.run_id, a.id, a.type, a.body, a.to_status FROM runs r
       JOIN activity a ON a.run_id = r.id
        AND a.id >= COALESCE((SELECT b.id FROM activity b WHERE b.run_id = r.id ORDER BY b.id DESC LIMIT 1 OFFSET 1), '')
      WHERE r.id IN (${ids.map(() => "?").join(", ")})`,
    ids,
  );
  const feeds = new Map<string, typeof rows>();
  for (const row of rows) feeds.set(row.run_id, [...(feeds.get(row.run_id) ?? []), row]);
  const reasons = new Map<string, string>();
  for (const [runId, feed] of feeds) {
    const [newest, before] = feed.sort((x, y) => (x.id < y.id ? 1 : -1));
    const why = newest?.type === "comment" && before?.to_status === "ERROR" ? newest.body : newest?.to_status === "ERROR" ? newest.body : "";
    if (why !== "") reasons.set(runId, why);
  }
  return reasons;
}

/**
 * One page of the scope's runs of `status` (null: of every status). With an agent given: its FINISHED runs, most of
 * its history, and all of them, off runs_agent in id order (the walk skips the few others); the runs of any other
 * status, a small part of it, off their range of runs_agent_status, sorted by id: the range read for the counts too.
 */
function pageOf(sql: Reader, f: OwnerRunFilter, status: RunStatus | null): Promise<RunJoined[]> {
  const { where, params } = scopeWhere(sql, f, f.agentId === undefined ? "owner" : "agent");
  // SQLite would walk runs_agent for any status (no sort); PostgreSQL's statistics choose.
  const range = f.agentId !== undefined && status !== null && status !== "FINISHED";
  const select = range && sql.dialect === "sqlite" ? AGENT_STATUS_SELECT : RUN_SELECT;
  if (status !== null) {
    where.push(f.agentId !== undefined && !range && sql.dialect === "sqlite" ? "+r.status = ?" : "r.status = ?");
    params.push(status);
  }
  if (f.before !== undefined) { where.push("r.id < ?"); params.push(f.before); }
  return sql.all<RunJoined>(`${select} WHERE ${where.join(" AND ")} ORDER BY r.id DESC LIMIT ?`, [...params, f.limit]);
}

const AGENT_STATUS_SELECT = runSelectIndexedBy("runs_agent_status");

/** The statuses counted: those going on now, and the failures; not the finished and stopped ones. */
export const COUNTED_STATUSES = ["PENDING", "RUNNING", "ERROR"] as const;
export type CountedStatus = (typeof COUNTED_STATUSES)[number];

/**
 * How many of the scope's runs are PENDING, RUNNING and ERROR: three ranges of runs_owner_status, each run in
 * them read with its task and a membership probe (~5 µs each). Runs going on now are few, and failures a small
 * part of a history; FINISHED and STOPPED runs are most of it and grow without bound (20,000 of them took
 * 100 ms to count so), and a live query counts again on each change: they are not counted.
 */
export async function countRunsForOwner(sql: Reader, s: OwnerRunScope): Promise<Record<CountedStatus, number>> {
  const counts: Record<CountedStatus, number> = { PENDING: 0, RUNNING: 0, ERROR: 0 };
  const { where, params } = scopeWhere(sql, s, s.agentId === undefined ? "owner" : "agent");
  const rows = await sql.all<{ status: CountedStatus; n: number }>(
    `SELECT r.status, COUNT(*) AS n FROM runs r JOIN tasks t ON t.id = r.task_id AND ${LIVE_TASK}
      WHERE ${where.join(" AND ")} AND r.status IN ('PENDING', 'RUNNING', 'ERROR') GROUP BY r.status`, params,
  );
  for (const row of rows) counts[row.status] = Number(row.n);
  return counts;
}
