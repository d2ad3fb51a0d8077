import type { Reader, Sql } from "../db/port.ts";
import { LIVE_TASK, tasksIn, type TaskScope } from "./tasks.ts";
import { isEnded, type RunStatus } from "../../sdk/run-state.ts";
import type { Activity, RunDetail, RunListItem, Task } from "../../sdk/types.ts";
import type { FeedEntry } from "./activity.ts";

export interface RunRow {
  id: string;
  task_id: string;
  agent_id: string;
  owner_id: string;
  status: RunStatus;
  prompt: string;
  last_follow_up_message: string | null;
  follows_run_id: string | null;
  /** The run this one runs again (services/retry.ts); absent: none. */
  retry_of?: string | null | undefined;
  created_at: number;
  started_at: number | null;
  ended_at: number | null;
  heartbeat_at: number | null;
  step_cost_usd: number | null;
  total_cost_usd: number | null;
}

/** A run with what its list item shows of its task, owner and agent. */
export interface RunJoined extends RunRow {
  task_title: string;
  workspace_id: string;
  project_id: string;
  owner_name: string;
  agent_name: string;
  agent_user_id: string;
  agent_creator_id: string;
  task_status: "todo" | "doing" | "done";
}

const COLUMNS = `r.*, t.title AS task_title, t.workspace_id, t.project_id, t.status AS task_status, o.name AS owner_name,
    a.name AS agent_name, a.user_id AS agent_user_id, a.creator_id AS agent_creator_id`;
// The task's join also leaves out the runs of projects deleted and not yet purged (LIVE_TASK):
// every run read goes through here, the agent's (its lists, a PENDING run it would start) and the owner's.
const JOINS = `JOIN tasks t ON t.id = r.task_id AND ${LIVE_TASK} JOIN users o ON o.id = r.owner_id JOIN agents a ON a.id = r.agent_id`;
const JOINED = `runs r ${JOINS}`;
const SELECT = `SELECT ${COLUMNS} FROM ${JOINED}`;
/** A run with its task, owner and agent (`r`, `t`, `o`, `a`), to add a WHERE to (for toRunListItem). */
export const RUN_SELECT = SELECT;
/** RUN_SELECT with the runs read off `index` (SQLite's INDEXED BY), where SQLite, without statistics, would choose another. */
export const runSelectIndexedBy = (index: string) => `SELECT ${COLUMNS} FROM runs r INDEXED BY ${index} ${JOINS}`;

export function toRunListItem(row: RunJoined): RunListItem {
  return {
    id: row.id,
    taskTitle: row.task_title,
    prompt: row.prompt,
    status: row.status,
    taskId: row.task_id,
    workspaceId: row.workspace_id,
    projectId: row.project_id,
    lastFollowUpMessage: row.last_follow_up_message,
    owner: { id: row.owner_id, name: row.owner_name },
    agent: { id: row.agent_id, name: row.agent_name },
    createdAt: row.created_at,
    startedAt: row.started_at,
    endedAt: row.ended_at,
    stepCostUsd: row.step_cost_usd,
    totalCostUsd: row.total_cost_usd,
  };
}

/** A run as its owner sees it: with the run it retried (`retryOf`), which the agent's shapes leave out. */
export type OwnerRunListItem = RunListItem & { retryOf: string | null };

export function toOwnerRunListItem(row: RunJoined): OwnerRunListItem {
  return Object.assign(toRunListItem(row), { retryOf: row.retry_of ?? null });
}

/**
 * What an agent's run list shows for the task of a run in a workspace its creator is no longer in:
 * the run is still its own (it hears that it was stopped), but the task's title, its prompt (the
 * task's title and description by default) and the follow-ups are the workspace's, not theirs.
 */
export const TASK_OUT_OF_REACH = "A task in a workspace you are no longer in";

/** A run as its agent lists it: `creator_in` says whether the agent's creator is still in the task's workspace. */
type AgentRunRow = RunJoined & { creator_in: number | boolean };

// The agent's creator in the task's workspace: one probe of workspace_members' primary key per run listed.
const CREATOR_IN = "EXISTS (SELECT 1 FROM workspace_members cm WHERE cm.workspace_id = t.workspace_id AND cm.user_id = a.creator_id) AS creator_in";
const AGENT_SELECT = `SELECT ${COLUMNS}, ${CREATOR_IN} FROM ${JOINED}`;

function toAgentRunListItem(row: AgentRunRow): RunListItem {
  const item = toRunListItem(row);
  if (row.creator_in) return item;
  item.taskTitle = TASK_OUT_OF_REACH;
  item.prompt = TASK_OUT_OF_REACH;
  item.lastFollowUpMessage = null;
  return item;
}

/**
 * The run's detail: its list item with the task and the task's feed. Added to the
 * fresh object, not spread into a new one: in V8 (Node 20) each key a literal adds
 * after a spread costs ~1.5 µs.
 */
export function toRunDetail(row: RunJoined, task: Task, activity: Activity[]): RunDetail {
  // A FeedEntry's editedAt is the owner's: the route's schema (RunDetail) leaves it out of the agent's answer.
  return Object.assign(toRunListItem(row), { task, activity });
}

/** The run's detail as its owner reads it (GET /runs/:id): with `retryOf`. */
export function toOwnerRunDetail(row: RunJoined, task: Task, activity: FeedEntry[]): Omit<RunDetail, "activity"> & { retryOf: string | null; activity: FeedEntry[] } {
  return Object.assign(toOwnerRunListItem(row), { task, activity });
}

/**
 * A run carries whether its task is done (migration sqlite/0012): an agent's open
 * tasks are then a range of runs_agent_task. Read here with the task held (FOR
 * SHARE on PostgreSQL): a concurrent move to or from done either waits for this
 * insert, and its trigger then updates this run too, or is seen by it.
 */
const INSERT = (lock: string) => `INSERT INTO runs (id, task_id, agent_id, owner_id, status, prompt, last_follow_up_message, follows_run_id,
       retry_of, created_at, started_at, ended_at, heartbeat_at, step_cost_usd, total_cost_usd, task_done)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, COALESCE((SELECT status = 'done' FROM tasks WHERE id = ?${lock}), FALSE))
     ON CONFLICT (task_id, agent_id) WHERE status IN ('PENDING', 'RUNNING') DO NOTHING`;
const INSERT_SQLITE = INSERT("");
const INSERT_POSTGRES = INSERT(" FOR SHARE");

/**
 * Inserts a PENDING run unless its agent already has one going on the task (the
 * unique index on active runs decides, race or not): false then, and nothing is
 * written. Not an error, so a PostgreSQL transaction goes on (a comment that
 * @mentions a busy agent is still posted).
 */
export async function insertRun(sql: Sql, row: RunRow): Promise<boolean> {
  const { changes } = await sql.run(
    sql.dialect === "postgres" ? INSERT_POSTGRES : INSERT_SQLITE,
    [row.id, row.task_id, row.agent_id, row.owner_id, row.status, row.prompt, row.last_follow_up_message,
      row.follows_run_id, row.retry_of ?? null, row.created_at, row.started_at, row.ended_at, row.heartbeat_at, row.step_cost_usd,
      row.total_cost_usd, row.task_id],
  );
  return changes === 1;
}

// Hot statements are built once: a SQL text made per call costs a concatenation
// and a fresh hash each time the adapter looks its prepared statement up.
const FIND = `${SELECT} WHERE r.id = ?`;
const FIND_FOR_MEMBER = `SELECT ${COLUMNS} FROM ${JOINED}
  JOIN workspace_members m ON m.workspace_id = t.workspace_id AND m.user_id = ? WHERE r.id = ?`;
// A run its agent reads with its task and feed: only while the agent's creator is in the task's workspace.
const FIND_FOR_AGENT = `SELECT ${COLUMNS} FROM ${JOINED}
  JOIN workspace_members m ON m.workspace_id = t.workspace_id AND m.user_id = a.creator_id WHERE r.id = ?`;
const FIND_ENDING = `SELECT ${COLUMNS}, t.cost_total_usd AS previous_total_cost_usd FROM ${JOINED} WHERE r.id = ?`;
const FIND_STARTING_POSTGRES = `${FIND} FOR NO KEY UPDATE OF t`;

export function findRun(sql: Reader, id: string): Promise<RunJoined | undefined> {
  return sql.get<RunJoined>(FIND, [id]);
}

/** The run, if `userId` is a member of its task's workspace (one statement for the read and the check). */
export function findRunForMember(sql: Reader, id: string, userId: string): Promise<RunJoined | undefined> {
  return sql.get<RunJoined>(FIND_FOR_MEMBER, [userId, id]);
}

/**
 * The run, if its agent's creator is a member of its task's workspace: one who left it (or was
 * removed) no longer reads its tasks and feeds through their agent's token.
 */
export function findRunForItsAgent(sql: Reader, id: string): Promise<RunJoined | undefined> {
  return sql.get<RunJoined>(FIND_FOR_AGENT, [id]);
}

/** A run about to end, with its task's running cost total so far (null while no turn reported one). */
export type RunEnding = RunJoined & { previous_total_cost_usd: number | null };

/** The run and the cost total before it, in one statement (completing a run needs both). */
export function findRunEnding(sql: Reader, id: string): Promise<RunEnding | undefined> {
  return sql.get<RunEnding>(FIND_ENDING, [id]);
}

/**
 * The run about to start, its task held on PostgreSQL (FOR NO KEY UPDATE OF t; read as it is once held): a start moves
 * the task to `doing`, and takes it before the run as every write does (services/lock-order.ts), in this one statement.
 */
export function findRunStarting(sql: Reader, id: string): Promise<RunJoined | undefined> {
  return sql.get<RunJoined>(sql.dialect === "postgres" ? FIND_STARTING_POSTGRES : FIND, [id]);
}

export interface TransitionFields {
  started?: boolean;
  ended?: boolean;
  stepCostUsd?: number | null;
  totalCostUsd?: number | null;
  /** Only if the agent has made no call since this time (the reaper: a heartbeat that got in first keeps the run going). */
  staleBefore?: number;
}

/**
 * Moves a run from `from` to `to` in one statement, so two callers racing for the
 * same transition cannot both win: the loser sees 0 changes.
 */
export async function transitionRun(
  sql: Sql,
  id: string,
  from: RunStatus,
  to: RunStatus,
  now: number,
  fields: TransitionFields = {},
): Promise<boolean> {
  const params: (string | number | null)[] = [to, now];
  if (fields.started) params.push(now);
  if (fields.ended) params.push(now);
  if (fields.stepCostUsd !== undefined) params.push(fields.stepCostUsd);
  if (fields.totalCostUsd !== undefined) params.push(fields.totalCostUsd);
  params.push(id, from);
  if (fields.staleBefore !== undefined) params.push(fields.staleBefore);
  const { changes } = await sql.run(transitionSql(fields), params);
  return changes === 1;
}

const transitions: string[] = [];

/** The UPDATE for one combination of `fields`, built once (in the order the params are pushed above). */
function transitionSql(fields: TransitionFields): string {
  const key = (fields.started ? 1 : 0) | (fields.ended ? 2 : 0) | (fields.stepCostUsd !== undefined ? 4 : 0) | (fields.totalCostUsd !== undefined ? 8 : 0) |
    (fields.staleBefore !== undefined ? 16 : 0);
  return (transitions[key] ??= `UPDATE runs SET ${[
    "status = ?", "heartbeat_at = ?",
    ...(key & 1 ? ["started_at = ?"] : []), ...(key & 2 ? ["ended_at = ?"] : []),
    ...(key & 4 ? ["step_cost_usd = ?"] : []), ...(key & 8 ? ["total_cost_usd = ?"] : []),
  ].join(", ")} WHERE id = ? AND status = ?${key & 16 ? " AND COALESCE(heartbeat_at, 0) < ?" : ""}`);
}

export async function touchRun(sql: Sql, id: string, now: number): Promise<void> {
  await sql.run("UPDATE runs SET heartbeat_at = ? WHERE id = ? AND status = 'RUNNING'", [now, id]);
}

/**
 * Renews the lease of `agentId`'s run if it is RUNNING, and returns whose task
 * it is; undefined if it is not (the caller reads the run to say why). One
 * one-table statement: the common case of an agent's call skips the join.
 */
export function touchAgentRun(sql: Sql, id: string, agentId: string, now: number): Promise<{ task_id: string; owner_id: string } | undefined> {
  return sql.get(
    "UPDATE runs SET heartbeat_at = ? WHERE id = ? AND agent_id = ? AND status = 'RUNNING' RETURNING task_id, owner_id",
    [now, id, agentId],
  );
}

/** The agent's PENDING and RUNNING runs (by runs_agent_status). */
export function listActiveRunsOfAgent(sql: Reader, agentId: string): Promise<RunJoined[]> {
  return sql.all<RunJoined>(`${SELECT} WHERE r.agent_id = ? AND r.status IN ('PENDING', 'RUNNING')`, [agentId]);
}

/**
 * The PENDING and RUNNING runs, on the workspace's tasks, of the agents a person
 * created: read from the agents' active runs (by agent and status), as many as they
 * have going on. The unary + keeps SQLite, which has no statistics, from walking
 * the workspace's tasks by tasks_workspace instead (8 ms at 33,000, bench:query-plans);
 * PostgreSQL has no + for text, and its statistics choose.
 */
const ACTIVE_OF_CREATOR_IN = (plus: string) => `${SELECT} WHERE a.creator_id = ? AND ${plus}t.workspace_id = ? AND r.status IN ('PENDING', 'RUNNING')`;
const ACTIVE_OF_CREATOR_IN_SQLITE = ACTIVE_OF_CREATOR_IN("+");
const ACTIVE_OF_CREATOR_IN_POSTGRES = ACTIVE_OF_CREATOR_IN("");

export function listActiveRunsOfCreatorIn(sql: Reader, creatorId: string, workspaceId: string): Promise<RunJoined[]> {
  return sql.all<RunJoined>(sql.dialect === "postgres" ? ACTIVE_OF_CREATOR_IN_POSTGRES : ACTIVE_OF_CREATOR_IN_SQLITE, [creatorId, workspaceId]);
}

/** The task's PENDING and RUNNING runs. */
/** The PENDING and RUNNING runs on the scope's tasks. */
export function listActiveRunsIn(sql: Reader, scope: TaskScope): Promise<RunJoined[]> {
  const { ids, params } = tasksIn(scope);
  return sql.all<RunJoined>(`${SELECT} WHERE r.task_id IN (${ids}) AND r.status IN ('PENDING', 'RUNNING')`, params);
}

/**
 * Who the runs on the scope's tasks concern: their agents (whose run lists show a task's title
 * and project) and their owners, the people their notifications went to (a run notifies its
 * owner and no one else: services/runs.ts). One read of the runs, by task.
 */
export async function peopleWithRunsIn(sql: Reader, scope: TaskScope): Promise<{ agents: Set<string>; owners: Set<string> }> {
  const { ids, params } = tasksIn(scope);
  const rows = await sql.all<{ agent_id: string; owner_id: string }>(`SELECT DISTINCT agent_id, owner_id FROM runs WHERE task_id IN (${ids})`, params);
  return { agents: new Set(rows.map((r) => r.agent_id)), owners: new Set(rows.map((r) => r.owner_id)) };
}

export interface AgentRunFilter {
  agentId: string;
  status?: RunStatus | undefined;
  workspaceId?: string | undefined;
  limit: number;
}

/**
 * An agent's runs: PENDING ones oldest first (work-queue order), the rest newest first. Those in
 * workspaces its creator has left are listed with TASK_OUT_OF_REACH for what their task says.
 */
export async function listRunsForAgent(sql: Reader, f: AgentRunFilter): Promise<RunListItem[]> {
  const where = ["r.agent_id = ?"];
  const params: (string | number)[] = [f.agentId];
  if (f.status) { where.push("r.status = ?"); params.push(f.status); }
  if (f.workspaceId) { where.push("t.workspace_id = ?"); params.push(f.workspaceId); }
  // Waiting runs oldest first (the queue's order); ended ones by when they ended, so a poller for stops sees
  // the newest first however old the run; the rest newest first.
  // With a status, each order is that of an index that starts with the agent and the status (runs_agent_status,
  // runs_agent_ended); creation time and id sort alike. Without one, runs_agent.
  const order = f.status === "PENDING" ? "r.created_at ASC, r.id ASC"
    : f.status && isEnded(f.status) ? "r.ended_at DESC, r.id DESC"
    : f.status ? "r.created_at DESC, r.id DESC"
    : "r.id DESC"; // ids sort by creation
  const rows = await sql.all<AgentRunRow>(`${AGENT_SELECT} WHERE ${where.join(" AND ")} ORDER BY ${order} LIMIT ?`, [...params, f.limit]);
  return rows.map(toAgentRunListItem);
}

/** The agent's runs stopped since `since`, newest first. */
export async function listStoppedRunsForAgent(sql: Reader, agentId: string, since: number, limit: number): Promise<RunListItem[]> {
  const rows = await sql.all<AgentRunRow>(
    `${AGENT_SELECT} WHERE r.agent_id = ? AND r.status = 'STOPPED' AND r.ended_at >= ? ORDER BY r.ended_at DESC, r.id DESC LIMIT ?`,
    [agentId, since, limit],
  );
  return rows.map(toAgentRunListItem);
}

/** The task's runs in the order they were made (ids sort by creation: runs_task's own order). */
export async function listRunsOfTask(sql: Reader, taskId: string): Promise<OwnerRunListItem[]> {
  const rows = await sql.all<RunJoined>(`${SELECT} WHERE r.task_id = ? ORDER BY r.id`, [taskId]);
  return rows.map(toOwnerRunListItem);
}

/**
 * The agent's runs newest first (ids sort by creation), older than `before` if given, for its creator: those
 * in workspaces they are (still) in, as their notifications are.
 */
export async function listRunsOfAgentForUser(sql: Reader, agentId: string, limit: number, before?: string): Promise<OwnerRunListItem[]> {
  const rows = await sql.all<RunJoined>(
    `${SELECT} JOIN workspace_members m ON m.workspace_id = t.workspace_id AND m.user_id = a.creator_id
     WHERE r.agent_id = ? ${before ? "AND r.id < ?" : ""} ORDER BY r.id DESC LIMIT ?`,
    before ? [agentId, before, limit] : [agentId, limit],
  );
  return rows.map(toOwnerRunListItem);
}

/** RUNNING runs whose agent has made no call about them since `before`. */
export function listStaleRuns(sql: Reader, before: number, limit: number): Promise<RunJoined[]> {
  return sql.all<RunJoined>(
    `${SELECT} WHERE r.status = 'RUNNING' AND r.heartbeat_at < ? ORDER BY r.started_at LIMIT ?`,
    [before, limit],
  );
}

/** How many runs are PENDING and RUNNING now, across every hub on the database (the partial index `runs_active` holds just these). */
export async function countActiveRuns(sql: Reader): Promise<Record<"PENDING" | "RUNNING", number>> {
  const counts = { PENDING: 0, RUNNING: 0 };
  const rows = await sql.all<{ status: "PENDING" | "RUNNING"; n: number }>(
    "SELECT status, COUNT(*) AS n FROM runs WHERE status IN ('PENDING', 'RUNNING') GROUP BY status",
  );
  for (const row of rows) counts[row.status] = Number(row.n);
  return counts;
}
