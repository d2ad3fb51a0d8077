/**
 * Which tasks name which uploads (migration 0016), and since when an upload is named
 * by none. Every statement goes by an index: a task's rows by the primary key's
 * prefix, an upload's by `task_uploads_upload`.
 */
import type { Reader, Sql } from "../db/port.ts";
import { tasksIn, type TaskScope } from "./tasks.ts";

/** Where in a task an upload's URL is: its images, its description, or its feed (a comment, a run's words, a prompt). */
export type UploadField = "images" | "description" | "feed";

const list = (ids: readonly string[]) => ids.map(() => "?").join(", ");

/**
 * The uploads among `ids` that exist, with their key hashes, locked until the write ends
 * (PostgreSQL; in id order, so two writes never wait on each other in a circle). Whoever
 * changes an upload's references holds it so: the purger skips what it holds, and a
 * reference added or dropped at the same time waits, so "named by none" is read right.
 */
export function lockUploads(sql: Sql, ids: readonly string[]): Promise<{ id: string; key_hash: string; workspace_id: string }[]> {
  const lock = sql.dialect === "postgres" ? " ORDER BY id FOR UPDATE" : "";
  return sql.all(`SELECT id, key_hash, workspace_id FROM uploads WHERE id IN (${list(ids)})${lock}`, ids);
}

/** The uploads the task's field names now. */
export async function uploadsNamedBy(sql: Reader, taskId: string, field: UploadField): Promise<string[]> {
  const rows = await sql.all<{ upload_id: string }>("SELECT upload_id FROM task_uploads WHERE task_id = ? AND field = ?", [taskId, field]);
  return rows.map((r) => r.upload_id);
}

/** The uploads any of the scope's tasks names, each once. */
export async function uploadsNamedIn(sql: Reader, scope: TaskScope): Promise<string[]> {
  const { ids, params } = tasksIn(scope);
  const rows = await sql.all<{ upload_id: string }>(`SELECT DISTINCT upload_id FROM task_uploads WHERE task_id IN (${ids})`, params);
  return rows.map((r) => r.upload_id);
}

export async function addTaskUploads(sql: Sql, taskId: string, field: UploadField, uploadIds: readonly string[]): Promise<void> {
  if (uploadIds.length === 0) return;
  await sql.run(
    `INSERT INTO task_uploads (task_id, field, upload_id) VALUES ${uploadIds.map(() => "(?, ?, ?)").join(", ")} ON CONFLICT DO NOTHING`,
    uploadIds.flatMap((id) => [taskId, field, id]),
  );
}

export async function removeTaskUploads(sql: Sql, taskId: string, field: UploadField, uploadIds: readonly string[]): Promise<void> {
  if (uploadIds.length === 0) return;
  await sql.run(`DELETE FROM task_uploads WHERE task_id = ? AND field = ? AND upload_id IN (${list(uploadIds)})`, [taskId, field, ...uploadIds]);
}

/** Drops every reference of the scope's tasks (before they are deleted). */
export async function removeTaskUploadsIn(sql: Sql, scope: TaskScope): Promise<void> {
  const { ids, params } = tasksIn(scope);
  await sql.run(`DELETE FROM task_uploads WHERE task_id IN (${ids})`, params);
}

/** The uploads among `ids` are named again: off the purger's queue. */
export async function markReferenced(sql: Sql, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  await sql.run(`UPDATE uploads SET unreferenced_since = NULL WHERE id IN (${list(ids)}) AND unreferenced_since IS NOT NULL`, ids);
}

/** Those among `ids` that no task names any more go on the purger's queue, from `now`. */
export async function markUnreferenced(sql: Sql, ids: readonly string[], now: number): Promise<void> {
  if (ids.length === 0) return;
  await sql.run(
    `UPDATE uploads SET unreferenced_since = ? WHERE id IN (${list(ids)}) AND unreferenced_since IS NULL
       AND NOT EXISTS (SELECT 1 FROM task_uploads tu WHERE tu.upload_id = uploads.id)`,
    [now, ...ids],
  );
}
