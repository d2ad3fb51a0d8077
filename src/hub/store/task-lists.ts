/**
 * The task lists of the two APIs, newest first: a person's (`GET /tasks`) and an
 * agent's (`GET /agent/tasks`). Each reads its rows off indexes in their own order
 * and stops at a page, whatever the history behind it: a statement merges one
 * range per workspace, project, status or done-ness (UNION ALL … ORDER BY, which
 * SQLite runs as a merge and PostgreSQL as a Merge Append), and each range keeps
 * every filter of the list, so the ranges only choose where to read.
 */
import type { Reader } from "../db/port.ts";
import type { Task, TaskStatus } from "../../sdk/types.ts";
import { taskContains } from "./task-search.ts";
import { LIVE_TASK, TASK_COLUMNS, TASK_FROM, toTask, type TaskJoined } from "./tasks.ts";

const STATUSES: readonly TaskStatus[] = ["todo", "doing", "done"];

/**
 * More ranges than this (a person in that many workspaces, or projects for a status)
 * and the list is one statement that sorts what it matches, as it did before: SQLite
 * takes at most 500 arms in a compound statement.
 */
const MAX_RANGES = 64;

interface Range {
  where: string;
  params: (string | number)[];
}

/**
 * The rows of `select` in each range, merged newest first by `key` (a column of
 * `select`'s), the first `limit`. SQLite merges the arms as they are, each read in
 * its index's order (with its own LIMIT it would sort their rows again); PostgreSQL
 * plans a UNION's arm for the statement's order only when the arm asks for it (a
 * lone arm needs no merge, and may not have an ORDER BY of its own besides).
 */
function merged(sql: Reader, select: string, key: string, ranges: Range[], where: Range, limit: number): { text: string; params: (string | number)[] } {
  const ownOrder = sql.dialect === "postgres" && ranges.length > 1;
  const arms = ranges.map((r) => {
    const arm = `${select} WHERE ${r.where} AND ${where.where}`;
    return ownOrder ? `(${arm} ORDER BY ${key} DESC LIMIT ?)` : arm;
  });
  return {
    text: `${arms.join(" UNION ALL ")} ORDER BY ${key} DESC LIMIT ?`,
    params: [...ranges.flatMap((r) => [...r.params, ...where.params, ...(ownOrder ? [limit] : [])]), limit],
  };
}

export interface OwnerTaskFilter {
  userId: string;
  workspaceId?: string | undefined;
  projectId?: string | undefined;
  status?: TaskStatus | undefined;
  /** Only tasks whose title or description contains this text (parsed: see domain/search.ts). */
  search?: string | undefined;
  /** A page's cursor: only tasks created before this one (ids sort by creation). */
  before?: string | undefined;
  limit: number;
}

const TASK_SELECT = `SELECT ${TASK_COLUMNS} ${TASK_FROM}`;

/** Tasks in workspaces the user belongs to, newest first. */
export async function listTasksForUser(sql: Reader, f: OwnerTaskFilter): Promise<Task[]> {
  const where = ["t.workspace_id IN (SELECT workspace_id FROM workspace_members WHERE user_id = ?)", LIVE_TASK];
  const params: (string | number)[] = [f.userId];
  if (f.workspaceId) { where.push("t.workspace_id = ?"); params.push(f.workspaceId); }
  if (f.projectId) { where.push("t.project_id = ?"); params.push(f.projectId); }
  if (f.status) { where.push("t.status = ?"); params.push(f.status); }
  if (f.search) {
    const term = taskContains(sql, f.search);
    where.push(term.where); params.push(...term.params);
  }
  if (f.before) { where.push("t.id < ?"); params.push(f.before); }
  const filter = { where: where.join(" AND "), params };
  const ranges = await userRanges(sql, f);
  const { text, params: all } = ranges
    ? merged(sql, TASK_SELECT, "id", ranges, filter, f.limit)
    : { text: `${TASK_SELECT} WHERE ${filter.where} ORDER BY t.id DESC LIMIT ?`, params: [...params, f.limit] };
  return (await sql.all<TaskJoined>(text, all)).map(toTask);
}

/**
 * Where a person's list reads, each range in id order: a project's tasks of each
 * status (tasks_project); else, for a status, each of their projects' (a workspace's
 * tasks in one status would be a walk past all its others); else each of their
 * workspaces' (tasks_workspace). Null for one sorting statement: a search (bounded by
 * its matches, which the range would read per arm), or too many ranges.
 */
async function userRanges(sql: Reader, f: OwnerTaskFilter): Promise<Range[] | null> {
  if (f.search) return null;
  if (f.projectId) {
    return (f.status ? [f.status] : STATUSES).map((status) => ({ where: "t.project_id = ? AND t.status = ?", params: [f.projectId!, status] }));
  }
  const ranges: Range[] = f.status
    ? (await projectIdsOf(sql, f.userId, f.workspaceId)).map((id) => ({ where: "t.project_id = ? AND t.status = ?", params: [id, f.status!] }))
    : (f.workspaceId ? [f.workspaceId] : await workspaceIdsOf(sql, f.userId)).map((id) => ({ where: "t.workspace_id = ?", params: [id] }));
  // None: an empty list, which the one statement answers too.
  return ranges.length > 0 && ranges.length <= MAX_RANGES ? ranges : null;
}

async function workspaceIdsOf(sql: Reader, userId: string): Promise<string[]> {
  return (await sql.all<{ id: string }>("SELECT workspace_id AS id FROM workspace_members WHERE user_id = ?", [userId])).map((r) => r.id);
}

async function projectIdsOf(sql: Reader, userId: string, workspaceId: string | undefined): Promise<string[]> {
  const rows = await sql.all<{ id: string }>(
    `SELECT p.id FROM workspace_members m JOIN projects p ON p.workspace_id = m.workspace_id AND p.deleted_at IS NULL WHERE m.user_id = ?${workspaceId ? " AND m.workspace_id = ?" : ""}`,
    workspaceId ? [userId, workspaceId] : [userId],
  );
  return rows.map((r) => r.id);
}

export interface AgentTaskFilter {
  agentId: string;
  /** The agent's creator: only tasks of workspaces they are (still) a member of. */
  creatorId: string;
  dueDate?: string | undefined;
  dueBefore?: number | undefined;
  dueAfter?: number | undefined;
  includeCompleted: boolean;
  workspaceId?: string | undefined;
  projectId?: string | undefined;
  status?: TaskStatus | undefined;
  limit: number;
}

/**
 * An agent's tasks through its runs, by runs_agent_task (agent, whether the task is
 * done, task): one row per task, at the agent's newest run on it (the runs of one
 * task are next to each other there, newest first).
 */
const AGENT_TASK_SELECT = `SELECT r.task_id AS k, ${TASK_COLUMNS} ${TASK_FROM} JOIN runs r ON r.task_id = t.id`;
const NEWEST_RUN = "NOT EXISTS (SELECT 1 FROM runs n WHERE n.agent_id = r.agent_id AND n.task_done = r.task_done AND n.task_id = r.task_id AND n.id > r.id)";

/**
 * Tasks that have at least one run assigned to the agent, in workspaces its creator
 * belongs to, newest first. The open ones are a range of their own: a list of them
 * reads as far as the agent's work going on, never its history.
 */
export async function listTasksForAgent(sql: Reader, f: AgentTaskFilter): Promise<Task[]> {
  // The creator's membership, checked per row by its primary key: the agent's runs stay what the list reads
  // (without the LIMIT, SQLite makes the EXISTS a join that leads the plan, and sorts what it finds).
  const where: string[] = [NEWEST_RUN, LIVE_TASK, "EXISTS (SELECT 1 FROM workspace_members m WHERE m.workspace_id = t.workspace_id AND m.user_id = ? LIMIT 1)"];
  const params: (string | number)[] = [f.creatorId];
  if (!f.includeCompleted) where.push("t.status <> 'done'");
  if (f.dueDate) { where.push("t.due_date = ?"); params.push(f.dueDate); }
  // Due dates are calendar days; compare them as the UTC midnight they start at.
  if (f.dueBefore !== undefined) {
    const bound = isoDay(f.dueBefore, true);
    where.push(bound === null ? "t.due_date IS NOT NULL" : "t.due_date IS NOT NULL AND t.due_date < ?");
    if (bound !== null) params.push(bound);
  }
  if (f.dueAfter !== undefined) { where.push("t.due_date IS NOT NULL AND t.due_date > ?"); params.push(isoDay(f.dueAfter, false)!); }
  if (f.workspaceId) { where.push("t.workspace_id = ?"); params.push(f.workspaceId); }
  if (f.projectId) { where.push("t.project_id = ?"); params.push(f.projectId); }
  if (f.status) { where.push("t.status = ?"); params.push(f.status); }
  const done = !f.includeCompleted ? [false] : f.status ? [f.status === "done"] : [false, true];
  const ranges = done.map((d) => ({ where: `r.agent_id = ? AND r.task_done = ${d ? "TRUE" : "FALSE"}`, params: [f.agentId] }));
  const { text, params: all } = merged(sql, AGENT_TASK_SELECT, "k", ranges, { where: where.join(" AND "), params }, f.limit);
  return (await sql.all<TaskJoined>(text, all)).map(toTask);
}

/** The midnight that starts the last day a due date (YYYY-MM-DD) can name. */
const LAST_DAY_MS = Date.parse("9999-12-31T00:00:00Z");

/**
 * The day bound for a Unix-ms instant: a task due on day D is "before" t when D's
 * midnight < t, and "after" t when D's midnight > t. Past the last day every due day
 * is before t (null: no bound) and none after it; a Date would not hold such a t, nor
 * would its day print as YYYY-MM-DD.
 */
function isoDay(ms: number, before: boolean): string | null {
  if (ms > LAST_DAY_MS) return before ? null : "9999-12-31";
  const day = new Date(ms).toISOString().slice(0, 10);
  const midnight = Date.parse(day + "T00:00:00Z");
  if (before) return midnight < ms ? nextDay(day) : day; // due_date < bound  ⇔  midnight(D) < ms
  return day; // due_date > day  ⇔  midnight(D) > ms (for ms within day)
}

function nextDay(day: string): string {
  return new Date(Date.parse(day + "T00:00:00Z") + 86_400_000).toISOString().slice(0, 10);
}
