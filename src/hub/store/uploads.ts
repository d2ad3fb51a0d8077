/**
 * Uploaded images (migration 0015): the bytes, and what serving them needs. A file is
 * found by its id; its key (the URL's random half) is checked against the stored hash.
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
}

export async function insertUpload(sql: Sql, row: UploadRow): Promise<void> {
  await sql.run(
    "INSERT INTO uploads (id, workspace_id, key_hash, content_type, name, bytes, data, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    [row.id, row.workspace_id, row.key_hash, row.content_type, row.name, row.bytes, row.data, row.created_by, row.created_at],
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
