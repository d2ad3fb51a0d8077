/** Read-only views the web UI's live queries need beyond the owner API's. */
import type { Reader } from "../db/port.ts";
import type { RunStatus } from "../../sdk/run-state.ts";
import type { Task, TaskStatus } from "../../sdk/types.ts";
import { taskContains } from "./task-search.ts";
import { TASK_COLUMNS, TASK_FROM, toTask, type TaskJoined } from "./tasks.ts";

export interface BoardTask extends Task {
  /** The task's newest run, for the card's badge. */
  latestRun: { id: string; status: RunStatus; agentName: string } | null;
}

interface BoardRow extends TaskJoined {
  run_id: string | null;
  run_status: RunStatus | null;
  agent_name: string | null;
}

/** Which of a project's tasks a board shows: all of them, or those containing `search`. */
export interface BoardFilter {
  projectId: string;
  search?: string | undefined;
}

function boardWhere(sql: Reader, f: BoardFilter): { where: string; params: string[] } {
  if (!f.search) return { where: "t.project_id = ?", params: [f.projectId] };
  const term = taskContains(sql, f.search);
  return { where: `t.project_id = ? AND ${term.where}`, params: [f.projectId, ...term.params] };
}

/**
 * One board column's first `limit` tasks with each one's newest run: To do and
 * Doing newest first, Done by when each got there (its last change), so a long
 * history of done tasks never hides what was just finished. Each is the order of
 * an index (tasks_project, tasks_project_updated); a task's newest run is the last
 * of runs_task (ids sort by creation).
 */
export async function listBoardColumn(sql: Reader, f: BoardFilter, status: TaskStatus, limit: number): Promise<BoardTask[]> {
  const order = status === "done" ? "t.updated_at DESC, t.id DESC" : "t.id DESC";
  const { where, params } = boardWhere(sql, f);
  const rows = await sql.all<BoardRow>(
    `SELECT ${TASK_COLUMNS}, lr.id AS run_id, lr.status AS run_status, a.name AS agent_name ${TASK_FROM}
       LEFT JOIN runs lr ON lr.id = (SELECT r.id FROM runs r WHERE r.task_id = t.id ORDER BY r.id DESC LIMIT 1)
       LEFT JOIN agents a ON a.id = lr.agent_id
      WHERE ${where} AND t.status = ? ORDER BY ${order} LIMIT ?`,
    [...params, status, limit],
  );
  return rows.map((row) => Object.assign(toTask(row), {
    latestRun: row.run_id ? { id: row.run_id, status: row.run_status!, agentName: row.agent_name ?? "" } : null,
  }));
}

/** How many of the board's tasks each column holds. */
export async function countTasksByStatus(sql: Reader, f: BoardFilter): Promise<Record<TaskStatus, number>> {
  const counts: Record<TaskStatus, number> = { todo: 0, doing: 0, done: 0 };
  const { where, params } = boardWhere(sql, f);
  const rows = await sql.all<{ status: TaskStatus; n: number }>(`SELECT t.status, COUNT(*) AS n FROM tasks t WHERE ${where} GROUP BY t.status`, params);
  for (const row of rows) counts[row.status] = Number(row.n);
  return counts;
}
