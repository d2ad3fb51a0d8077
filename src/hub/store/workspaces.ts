import type { Reader, Sql } from "../db/port.ts";

export interface WorkspaceRow {
  id: string;
  name: string;
  created_by: string;
  created_at: number;
}

export interface ProjectRow {
  id: string;
  workspace_id: string;
  name: string;
  description: string;
  created_at: number;
}

export async function insertWorkspace(sql: Sql, row: WorkspaceRow): Promise<void> {
  await sql.run("INSERT INTO workspaces (id, name, created_by, created_at) VALUES (?, ?, ?, ?)", [
    row.id, row.name, row.created_by, row.created_at,
  ]);
}

export async function addMember(sql: Sql, workspaceId: string, userId: string, now: number): Promise<void> {
  await sql.run(
    "INSERT INTO workspace_members (workspace_id, user_id, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
    [workspaceId, userId, now],
  );
}

export interface MemberRow {
  id: string;
  name: string;
  joined_at: number;
}

/** The workspace's people, in the order they joined. */
export function listMembers(sql: Reader, workspaceId: string): Promise<MemberRow[]> {
  return sql.all<MemberRow>(
    `SELECT u.id, u.name, m.created_at AS joined_at FROM workspace_members m JOIN users u ON u.id = m.user_id
     WHERE m.workspace_id = ? ORDER BY m.created_at, u.id`,
    [workspaceId],
  );
}

export async function removeMember(sql: Sql, workspaceId: string, userId: string): Promise<boolean> {
  return (await sql.run("DELETE FROM workspace_members WHERE workspace_id = ? AND user_id = ?", [workspaceId, userId])).changes > 0;
}

export function listWorkspacesOf(sql: Reader, userId: string): Promise<WorkspaceRow[]> {
  return sql.all<WorkspaceRow>(
    `SELECT w.* FROM workspaces w JOIN workspace_members m ON m.workspace_id = w.id
     WHERE m.user_id = ? ORDER BY w.id`,
    [userId],
  );
}

export async function isMember(sql: Reader, workspaceId: string, userId: string): Promise<boolean> {
  const row = await sql.get("SELECT 1 AS ok FROM workspace_members WHERE workspace_id = ? AND user_id = ?", [workspaceId, userId]);
  return row !== undefined;
}

export function findWorkspace(sql: Reader, id: string): Promise<WorkspaceRow | undefined> {
  return sql.get<WorkspaceRow>("SELECT * FROM workspaces WHERE id = ? AND deleted_at IS NULL", [id]);
}

/** Sets the row's given columns (names from our own types, never from input). */
async function update(sql: Sql, table: "workspaces" | "projects", id: string, patch: Record<string, string | undefined>): Promise<void> {
  const entries = Object.entries(patch).filter((entry): entry is [string, string] => entry[1] !== undefined);
  if (entries.length === 0) return;
  await sql.run(`UPDATE ${table} SET ${entries.map(([c]) => `${c} = ?`).join(", ")} WHERE id = ?`, [...entries.map(([, v]) => v), id]);
}

export function updateWorkspace(sql: Sql, id: string, patch: Partial<Pick<WorkspaceRow, "name" | "created_by">>): Promise<void> {
  return update(sql, "workspaces", id, patch);
}

/**
 * Marks the workspace and its projects deleted and removes its members, invites and removals (a
 * few rows): it is gone from every read at once. The purger removes the rest (store/purge.ts).
 */
export async function markWorkspaceDeleted(sql: Sql, id: string, now: number): Promise<void> {
  await sql.run("UPDATE workspaces SET deleted_at = ? WHERE id = ?", [now, id]);
  await sql.run("UPDATE projects SET deleted_at = ? WHERE workspace_id = ? AND deleted_at IS NULL", [now, id]);
  await sql.run("DELETE FROM workspace_members WHERE workspace_id = ?", [id]);
  await sql.run("DELETE FROM invites WHERE workspace_id = ?", [id]);
  await sql.run("DELETE FROM workspace_removals WHERE workspace_id = ?", [id]);
}

export async function insertProject(sql: Sql, row: ProjectRow): Promise<void> {
  await sql.run("INSERT INTO projects (id, workspace_id, name, description, created_at) VALUES (?, ?, ?, ?, ?)", [
    row.id, row.workspace_id, row.name, row.description, row.created_at,
  ]);
}

export function listProjects(sql: Reader, workspaceId: string): Promise<ProjectRow[]> {
  return sql.all<ProjectRow>("SELECT * FROM projects WHERE workspace_id = ? AND deleted_at IS NULL ORDER BY id", [workspaceId]);
}

export function findProject(sql: Reader, id: string): Promise<ProjectRow | undefined> {
  return sql.get<ProjectRow>("SELECT * FROM projects WHERE id = ? AND deleted_at IS NULL", [id]);
}

export function updateProject(sql: Sql, id: string, patch: Partial<Pick<ProjectRow, "name" | "description">>): Promise<void> {
  return update(sql, "projects", id, patch);
}

/** Marks the project deleted: it and its tasks are gone from every read at once; the purger removes them (store/purge.ts). */
export async function markProjectDeleted(sql: Sql, id: string, now: number): Promise<void> {
  await sql.run("UPDATE projects SET deleted_at = ? WHERE id = ?", [now, id]);
}
