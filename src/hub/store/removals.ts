/** Who a workspace's creator removed (migrations sqlite/0024, postgres/0020): see services/readmission.ts. */
import type { Reader, Sql } from "../db/port.ts";

/** Marks the person removed by its creator; removed again later (let back in meanwhile), the newest removal counts. */
export async function markRemoved(sql: Sql, workspaceId: string, userId: string, removedBy: string, now: number): Promise<void> {
  await sql.run(
    `INSERT INTO workspace_removals (workspace_id, user_id, removed_by, removed_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (workspace_id, user_id) DO UPDATE SET removed_by = excluded.removed_by, removed_at = excluded.removed_at`,
    [workspaceId, userId, removedBy, now],
  );
}

export async function wasRemoved(sql: Reader, workspaceId: string, userId: string): Promise<boolean> {
  return (await sql.get("SELECT 1 AS removed FROM workspace_removals WHERE workspace_id = ? AND user_id = ?", [workspaceId, userId])) !== undefined;
}

/** Lets the mark go: they are back in, or left by themself. */
export async function clearRemoval(sql: Sql, workspaceId: string, userId: string): Promise<void> {
  await sql.run("DELETE FROM workspace_removals WHERE workspace_id = ? AND user_id = ?", [workspaceId, userId]);
}
