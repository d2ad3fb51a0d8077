import type { Reader, Sql } from "../db/port.ts";

export interface AgentRow {
  id: string;
  user_id: string;
  creator_id: string;
  name: string;
  description: string;
  token_hash: string | null;
  created_at: number;
  deleted_at: number | null;
}

export interface AgentWithCreator extends AgentRow {
  creator_name: string;
}

export async function insertAgent(sql: Sql, row: AgentRow): Promise<void> {
  await sql.run(
    `INSERT INTO agents (id, user_id, creator_id, name, description, token_hash, created_at, deleted_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    [row.id, row.user_id, row.creator_id, row.name, row.description, row.token_hash, row.created_at, row.deleted_at],
  );
}

const WITH_CREATOR = "SELECT a.*, u.name AS creator_name FROM agents a JOIN users u ON u.id = a.creator_id";
const BY_TOKEN_HASH = `${WITH_CREATOR} WHERE a.token_hash = ? AND a.deleted_at IS NULL`;
const BY_ID = `${WITH_CREATOR} WHERE a.id = ? AND a.deleted_at IS NULL`;

export function findAgentByTokenHash(sql: Reader, tokenHash: string): Promise<AgentWithCreator | undefined> {
  return sql.get<AgentWithCreator>(BY_TOKEN_HASH, [tokenHash]);
}

export function findAgent(sql: Reader, id: string): Promise<AgentWithCreator | undefined> {
  return sql.get<AgentWithCreator>(BY_ID, [id]);
}

export function listAgentsOf(sql: Reader, creatorId: string): Promise<AgentWithCreator[]> {
  return sql.all<AgentWithCreator>(`${WITH_CREATOR} WHERE a.creator_id = ? AND a.deleted_at IS NULL ORDER BY a.id`, [creatorId]);
}

/** The names of the creator's live agents (compared in code: SQLite's lower() folds ASCII only). */
export async function agentNamesOf(sql: Reader, creatorId: string): Promise<string[]> {
  const rows = await sql.all<{ name: string }>("SELECT name FROM agents WHERE creator_id = ? AND deleted_at IS NULL", [creatorId]);
  return rows.map((r) => r.name);
}

export async function setAgentTokenHash(sql: Sql, id: string, tokenHash: string): Promise<void> {
  await sql.run("UPDATE agents SET token_hash = ? WHERE id = ?", [tokenHash, id]);
}

export async function markAgentDeleted(sql: Sql, id: string, now: number): Promise<void> {
  await sql.run("UPDATE agents SET deleted_at = ?, token_hash = NULL WHERE id = ?", [now, id]);
}
