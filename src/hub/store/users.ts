import type { Reader, Sql } from "../db/port.ts";

export interface UserRow {
  id: string;
  name: string;
  kind: "user" | "agent";
  created_at: number;
}

export async function insertUser(sql: Sql, user: UserRow): Promise<void> {
  await sql.run("INSERT INTO users (id, name, kind, created_at) VALUES (?, ?, ?, ?)", [
    user.id, user.name, user.kind, user.created_at,
  ]);
}

export function findUser(sql: Reader, id: string): Promise<UserRow | undefined> {
  return sql.get<UserRow>("SELECT * FROM users WHERE id = ?", [id]);
}

export interface OwnerTokenRow {
  id: string;
  user_id: string;
  token_hash: string;
  kind: "pat" | "session";
  created_at: number;
  expires_at: number | null;
  /** A personal access token's name and first characters (sessions and sign-in codes have neither). */
  name?: string;
  prefix?: string;
}

export async function insertOwnerToken(sql: Sql, row: OwnerTokenRow): Promise<void> {
  await sql.run(
    "INSERT INTO owner_tokens (id, user_id, token_hash, kind, created_at, expires_at, name, prefix) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    [row.id, row.user_id, row.token_hash, row.kind, row.created_at, row.expires_at, row.name ?? null, row.prefix ?? null],
  );
}

/** The user a live owner token (by hash) belongs to, with the token's id and when it was last used. */
export function findUserByTokenHash(
  sql: Reader,
  tokenHash: string,
  now: number,
): Promise<(UserRow & { token_id: string; token_hash: string; expires_at: number | null; last_used_at: number | null }) | undefined> {
  return sql.get(
    `SELECT u.*, t.id AS token_id, t.token_hash, t.expires_at, t.last_used_at FROM owner_tokens t JOIN users u ON u.id = t.user_id
     WHERE t.token_hash = ? AND (t.expires_at IS NULL OR t.expires_at > ?)`,
    [tokenHash, now],
  );
}
