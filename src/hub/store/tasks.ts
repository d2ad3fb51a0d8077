import type { Reader, Sql } from "../db/port.ts";
import type { Image, Task, TaskStatus } from "../../sdk/types.ts";

export interface TaskRow {
  id: string;
  workspace_id: string;
  project_id: string;
  title: string;
  description: string;
  status: TaskStatus;
  due_date: string | null;
  images: string;
  creator_id: string;
  owner_id: string;
  created_at: number;
  updated_at: number;
}

export interface TaskJoined extends TaskRow {
  creator_name: string;
  owner_name: string;
}

/** The projects deleted and not yet purged (migration 0012), off a partial index that is empty but while a purge runs. */
export const DELETED_PROJECTS = "SELECT id FROM projects WHERE deleted_at IS NOT NULL";

/**
 * Leaves out the tasks of projects deleted and not yet purged: one probe of a partial index
 * that is empty but while a purge runs. A filter, not a join, so it never changes the order
 * a list is read in.
 */
export const LIVE_TASK = `t.project_id NOT IN (${DELETED_PROJECTS})`;

/** A task with its creator's and owner's names (`t` is the task), in two parts to add to. */
export const TASK_COLUMNS = "t.*, c.name AS creator_name, o.name AS owner_name";
export const TASK_FROM = "FROM tasks t JOIN users c ON c.id = t.creator_id JOIN users o ON o.id = t.owner_id";
const TASK_SELECT = `SELECT ${TASK_COLUMNS} ${TASK_FROM}`;
const FIND = `${TASK_SELECT} WHERE t.id = ?`;

export function toTask(row: TaskJoined): Task {
  return {
    id: row.id,
    title: row.title,
    description: row.description,
    images: JSON.parse(row.images) as Image[],
    creator: { id: row.creator_id, name: row.creator_name },
    owner: { id: row.owner_id, name: row.owner_name },
    dueDate: row.due_date,
    status: row.status,
    projectId: row.project_id,
    workspaceId: row.workspace_id,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export async function insertTask(sql: Sql, row: TaskRow): Promise<void> {
  await sql.run(
    `INSERT INTO tasks (id, workspace_id, project_id, title, description, status, due_date, images,
       creator_id, owner_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [row.id, row.workspace_id, row.project_id, row.title, row.description, row.status, row.due_date,
      row.images, row.creator_id, row.owner_id, row.created_at, row.updated_at],
  );
}

export function findTaskRow(sql: Reader, id: string): Promise<TaskRow | undefined> {
  return sql.get<TaskRow>("SELECT * FROM tasks WHERE id = ?", [id]);
}

/** The task, if `userId` is a member of its workspace (one statement for the read and the check). */
export function findTaskRowForMember(sql: Reader, id: string, userId: string): Promise<TaskRow | undefined> {
  return sql.get<TaskRow>(
    `SELECT t.* FROM tasks t JOIN workspace_members m ON m.workspace_id = t.workspace_id AND m.user_id = ? WHERE t.id = ? AND ${LIVE_TASK}`,
    [userId, id],
  );
}

export async function findTask(sql: Reader, id: string): Promise<Task | undefined> {
  const row = await sql.get<TaskJoined>(FIND, [id]);
  return row && toTask(row);
}

export type TaskPatch = Partial<Pick<TaskRow, "title" | "description" | "status" | "due_date" | "images" | "project_id" | "owner_id">>;

export async function updateTask(sql: Sql, id: string, patch: TaskPatch, now: number): Promise<void> {
  const entries = Object.entries(patch).filter(([, v]) => v !== undefined);
  const sets = entries.map(([k]) => `${k} = ?`).concat("updated_at = ?");
  await sql.run(`UPDATE tasks SET ${sets.join(", ")} WHERE id = ?`, [
    ...entries.map(([, v]) => v as string | null), now, id,
  ]);
}

/**
 * Holds the tasks `ownerId` owns in the workspace (PostgreSQL; in id order), for a handover that first stops runs on
 * them: a task before its runs (services/lock-order.ts), as a run's end holds its task, then moves the run.
 */
export async function holdTasksOwnedBy(sql: Sql, workspaceId: string, ownerId: string): Promise<void> {
  if (sql.dialect !== "postgres") return;
  await sql.all("SELECT id FROM tasks WHERE workspace_id = ? AND owner_id = ? ORDER BY id FOR NO KEY UPDATE", [workspaceId, ownerId]);
}

/**
 * Gives the tasks `from` owns in the workspace to `to` (a person leaving it: to its creator), and
 * answers which (their ids and titles), and whether each is still shown: those of a project deleted
 * and not yet purged change hands too (no task is left owned by someone outside), but no one sees them.
 * By tasks_workspace: the workspace's tasks, read once, on a rare path.
 */
export async function handOverTasks(sql: Sql, workspaceId: string, from: string, to: string, now: number): Promise<{ id: string; title: string; shown: boolean }[]> {
  const rows = await sql.all<{ id: string; title: string; gone: number | boolean }>(
    `UPDATE tasks SET owner_id = ?, updated_at = ? WHERE workspace_id = ? AND owner_id = ?
     RETURNING id, title, project_id IN (${DELETED_PROJECTS}) AS gone`,
    [to, now, workspaceId, from],
  );
  return rows.map((r) => ({ id: r.id, title: r.title, shown: !r.gone }));
}

/** Which tasks a deletion takes: one task, a project's, a workspace's, or a purge's batch of them. */
export type TaskScope = { taskId: string } | { projectId: string } | { workspaceId: string } | { taskIds: readonly string[] };

/** The ids of the scope's tasks, as a subquery with its parameters (each by an index). */
export function tasksIn(scope: TaskScope): { ids: string; params: readonly string[] } {
  if ("taskId" in scope) return { ids: "SELECT id FROM tasks WHERE id = ?", params: [scope.taskId] };
  if ("projectId" in scope) return { ids: "SELECT id FROM tasks WHERE project_id = ?", params: [scope.projectId] };
  if ("workspaceId" in scope) return { ids: "SELECT id FROM tasks WHERE workspace_id = ?", params: [scope.workspaceId] };
  return { ids: `SELECT id FROM tasks WHERE id IN (${scope.taskIds.map(() => "?").join(", ")})`, params: scope.taskIds };
}

export async function listTaskIdsIn(sql: Reader, scope: TaskScope): Promise<string[]> {
  const { ids, params } = tasksIn(scope);
  return (await sql.all<{ id: string }>(ids, params)).map((r) => r.id);
}

/**
 * Deletes the scope's tasks with their runs, feeds and notifications. The feed and
 * the notifications have no foreign key to their task (migration 0009): they go
 * first, found by run and by task through their partial indexes; then the tasks,
 * whose runs go by cascade.
 */
export async function deleteTasks(sql: Sql, scope: TaskScope): Promise<void> {
  const { ids, params } = tasksIn(scope);
  const runs = `SELECT id FROM runs WHERE task_id IN (${ids})`;
  for (const table of ["activity", "notifications"]) {
    await sql.run(`DELETE FROM ${table} WHERE run_id IN (${runs})`, params);
    await sql.run(`DELETE FROM ${table} WHERE run_id IS NULL AND task_id IN (${ids})`, params);
  }
  await sql.run(`DELETE FROM tasks WHERE id IN (${ids})`, params);
}

/** Moves the task from `from` to `doing`; false when its status is no longer `from` (another write moved it first). */
export async function markTaskDoing(sql: Sql, id: string, from: TaskStatus, now: number): Promise<boolean> {
  return (await sql.run("UPDATE tasks SET status = 'doing', updated_at = ? WHERE id = ? AND status = ?", [now, id, from])).changes > 0;
}

/** Records the task's running cost total: the total of the turn that just reported one. */
export async function setTaskCostTotal(sql: Sql, id: string, totalUsd: number): Promise<void> {
  await sql.run("UPDATE tasks SET cost_total_usd = ? WHERE id = ?", [totalUsd, id]);
}
