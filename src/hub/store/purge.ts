/**
 * The purger's queue: projects and workspaces marked deleted (migration 0012) whose
 * rows are still there, read off the partial indexes that hold only those.
 */
import type { Reader, Sql } from "../db/port.ts";

/** Whether anything deleted is still to purge (read outside a write: an idle hub writes nothing). */
export async function anythingToPurge(sql: Reader): Promise<boolean> {
  const row = await sql.get(
    "SELECT 1 AS found FROM projects WHERE deleted_at IS NOT NULL UNION ALL SELECT 1 AS found FROM workspaces WHERE deleted_at IS NOT NULL LIMIT 1",
  );
  return row !== undefined;
}

/** A deleted project still to purge (any of them: each is purged to the end in turn). */
export function nextDeletedProject(sql: Reader): Promise<{ id: string } | undefined> {
  return sql.get<{ id: string }>("SELECT id FROM projects WHERE deleted_at IS NOT NULL ORDER BY id LIMIT 1");
}

/**
 * Up to `limit` of the project's tasks, claimed for this transaction. On PostgreSQL the
 * rows are locked and those another hub's purger holds are skipped: hubs sharing the
 * database purge different batches, never the same one twice. SQLite has one writer.
 */
export async function claimTasksOf(sql: Sql, projectId: string, limit: number): Promise<string[]> {
  const claim = sql.dialect === "postgres" ? " FOR UPDATE SKIP LOCKED" : "";
  // In no particular order: any index by project serves, with no sort of what is left.
  const rows = await sql.all<{ id: string }>(`SELECT id FROM tasks WHERE project_id = ? LIMIT ?${claim}`, [projectId, limit]);
  return rows.map((r) => r.id);
}

/** Removes the deleted project's row once it has no task left; false while it has (or another hub removed it). */
export async function deleteEmptyProject(sql: Sql, projectId: string): Promise<boolean> {
  const { changes } = await sql.run(
    "DELETE FROM projects WHERE id = ? AND deleted_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM tasks WHERE project_id = ?)",
    [projectId, projectId],
  );
  return changes > 0;
}

/** Removes the rows of deleted workspaces that have no project left (their members and invites went with the deletion). */
export async function deleteEmptyWorkspaces(sql: Sql): Promise<number> {
  const { changes } = await sql.run(
    "DELETE FROM workspaces WHERE deleted_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM projects p WHERE p.workspace_id = workspaces.id)",
  );
  return changes;
}
