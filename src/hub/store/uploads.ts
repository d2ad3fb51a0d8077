/**
 * Uploaded images (migration 0015): the bytes, and what serving them needs. A file is
 * found by its id; its key (the URL's random half) is checked against the stored hash.
 * Since 0016 each says since when no task names it (the purger's queue), and each
 * workspace how many bytes its uploads take (its quota's count).
 */
import type { Reader, Sql } from "../db/port.ts";

export interface UploadRow {
  id: string;
  workspace_id: string;
  key_hash: string;
  content_type: string;
  name: string | null;
  bytes: number;
  data: Uint8Array;
  created_by: string;
  created_at: number;
  /** Since when no task names it; null while one does. */
  unreferenced_since: number | null;
}

export async function insertUpload(sql: Sql, row: UploadRow): Promise<void> {
  await sql.run(
    `INSERT INTO uploads (id, workspace_id, key_hash, content_type, name, bytes, data, created_by, created_at, unreferenced_since)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [row.id, row.workspace_id, row.key_hash, row.content_type, row.name, row.bytes, row.data, row.created_by, row.created_at, row.unreferenced_since],
  );
}

/**
 * Counts `bytes` more against the workspace's quota, unless that would take it over:
 * false then. One conditional UPDATE: concurrent uploads to a workspace wait on its row
 * in turn (PostgreSQL re-checks the condition after the wait), so no two both fit.
 */
export async function takeUploadBytes(sql: Sql, workspaceId: string, bytes: number, quota: number): Promise<boolean> {
  const { changes } = await sql.run(
    "UPDATE workspaces SET upload_bytes = upload_bytes + ? WHERE id = ? AND upload_bytes + ? <= ?",
    [bytes, workspaceId, bytes, quota],
  );
  return changes > 0;
}

/** Gives the bytes of removed uploads back to their workspace's quota. */
export async function giveUploadBytes(sql: Sql, workspaceId: string, bytes: number): Promise<void> {
  await sql.run("UPDATE workspaces SET upload_bytes = upload_bytes - ? WHERE id = ?", [bytes, workspaceId]);
}

/** The bytes the workspace's uploads take (those waiting for the purger included). */
export async function uploadBytesOf(sql: Reader, workspaceId: string): Promise<number> {
  return (await sql.get<{ upload_bytes: number }>("SELECT upload_bytes FROM workspaces WHERE id = ?", [workspaceId]))?.upload_bytes ?? 0;
}

/** Whether some upload has been named by no task since `before` or earlier (read outside a write: an idle hub writes nothing). */
export async function anyUploadUnreferencedSince(sql: Reader, before: number): Promise<boolean> {
  const row = await sql.get("SELECT 1 AS found FROM uploads WHERE unreferenced_since IS NOT NULL AND unreferenced_since <= ? LIMIT 1", [before]);
  return row !== undefined;
}

/**
 * Up to `limit` uploads named by no task since `before` or earlier, oldest first, claimed for this
 * transaction: on PostgreSQL locked, skipping those another hub's purger or a write naming them holds.
 */
export async function claimUnreferencedUploads(sql: Sql, before: number, limit: number): Promise<string[]> {
  const claim = sql.dialect === "postgres" ? " FOR UPDATE SKIP LOCKED" : "";
  const rows = await sql.all<{ id: string }>(
    `SELECT id FROM uploads WHERE unreferenced_since IS NOT NULL AND unreferenced_since <= ? ORDER BY unreferenced_since LIMIT ?${claim}`,
    [before, limit],
  );
  return rows.map((r) => r.id);
}

/** Removes those of the claimed uploads no task names (all of them, unless the references were wrong); what went, and whose. */
export function deleteUnreferencedUploads(sql: Sql, ids: readonly string[]): Promise<{ id: string; workspace_id: string; bytes: number }[]> {
  return sql.all(
    `DELETE FROM uploads WHERE id IN (${ids.map(() => "?").join(", ")})
       AND NOT EXISTS (SELECT 1 FROM task_uploads tu WHERE tu.upload_id = uploads.id) RETURNING id, workspace_id, bytes`,
    ids,
  );
}

export type ServedUpload = Pick<UploadRow, "key_hash" | "content_type" | "data">;

/** A file to serve; none once its workspace is deleted (the purger removes the bytes later). */
export function findServedUpload(sql: Reader, id: string): Promise<ServedUpload | undefined> {
  return sql.get<ServedUpload>(
    "SELECT up.key_hash, up.content_type, up.data FROM uploads up JOIN workspaces w ON w.id = up.workspace_id WHERE up.id = ? AND w.deleted_at IS NULL",
    [id],
  );
}

/** Removes up to `limit` uploads of deleted workspaces; how many went. */
export async function deleteUploadsOfDeletedWorkspaces(sql: Sql, limit: number): Promise<number> {
  const { changes } = await sql.run(
    "DELETE FROM uploads WHERE id IN (SELECT up.id FROM workspaces w JOIN uploads up ON up.workspace_id = w.id WHERE w.deleted_at IS NOT NULL LIMIT ?)",
    [limit],
  );
  return changes;
}
