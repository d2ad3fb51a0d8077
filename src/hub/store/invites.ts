import type { Reader, Sql } from "../db/port.ts";

export interface InviteRow {
  id: string;
  workspace_id: string;
  code_hash: string;
  created_by: string;
  created_at: number;
  expires_at: number;
}

export async function insertInvite(sql: Sql, row: InviteRow): Promise<void> {
  await sql.run(
    "INSERT INTO invites (id, workspace_id, code_hash, created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
    [row.id, row.workspace_id, row.code_hash, row.created_by, row.created_at, row.expires_at],
  );
}

/** The workspace of a live invite and who made it, left as it is. */
export function findInvite(sql: Reader, codeHash: string, now: number): Promise<{ workspace_id: string; created_by: string } | undefined> {
  return sql.get<{ workspace_id: string; created_by: string }>("SELECT workspace_id, created_by FROM invites WHERE code_hash = ? AND expires_at > ?", [codeHash, now]);
}

/** Consumes a live invite in one statement, so it lets one person in, once. */
export function takeInvite(sql: Reader, codeHash: string, now: number): Promise<{ workspace_id: string } | undefined> {
  return sql.get<{ workspace_id: string }>("DELETE FROM invites WHERE code_hash = ? AND expires_at > ? RETURNING workspace_id", [codeHash, now]);
}

export async function deleteExpiredInvites(sql: Sql, now: number): Promise<number> {
  return (await sql.run("DELETE FROM invites WHERE expires_at <= ?", [now])).changes;
}

/** The workspace's invites not yet used and still valid, newest first, with who made each. */
export function listOpenInvites(sql: Reader, workspaceId: string, now: number): Promise<(InviteRow & { created_by_name: string })[]> {
  return sql.all(
    `SELECT i.*, u.name AS created_by_name FROM invites i JOIN users u ON u.id = i.created_by
     WHERE i.workspace_id = ? AND i.expires_at > ? ORDER BY i.id DESC`,
    [workspaceId, now],
  );
}

/** How many invites of the workspace are open (not used, not expired). */
export async function countOpenInvites(sql: Reader, workspaceId: string, now: number): Promise<number> {
  const row = await sql.get<{ n: number | string }>("SELECT count(*) AS n FROM invites WHERE workspace_id = ? AND expires_at > ?", [workspaceId, now]);
  return Number(row?.n ?? 0);
}

export async function deleteInvite(sql: Sql, workspaceId: string, id: string): Promise<boolean> {
  return (await sql.run("DELETE FROM invites WHERE workspace_id = ? AND id = ?", [workspaceId, id])).changes > 0;
}

/** The open invites `userId` made for the workspace (they are leaving it): how many went. */
export async function deleteInvitesBy(sql: Sql, workspaceId: string, userId: string): Promise<number> {
  return (await sql.run("DELETE FROM invites WHERE workspace_id = ? AND created_by = ?", [workspaceId, userId])).changes;
}
