/**
 * Personal access tokens (owner_tokens of kind 'pat'): a person lists, counts and
 * revokes their own. Only the hash and the first characters of each are stored.
 */
import type { Reader, Sql } from "../db/port.ts";

export interface ApiTokenRow {
  id: string;
  name: string;
  prefix: string;
  created_at: number;
  last_used_at: number | null;
  /** To tell the one in credentials.json (services/api-tokens.ts); never shown. */
  token_hash: string;
}

/** A person's tokens, newest first. */
export function listApiTokens(sql: Reader, userId: string): Promise<ApiTokenRow[]> {
  return sql.all<ApiTokenRow>(
    "SELECT id, name, prefix, created_at, last_used_at, token_hash FROM owner_tokens WHERE user_id = ? AND kind = 'pat' ORDER BY id DESC",
    [userId],
  );
}

export async function countApiTokens(sql: Reader, userId: string): Promise<number> {
  const row = await sql.get<{ n: number | string }>("SELECT count(*) AS n FROM owner_tokens WHERE user_id = ? AND kind = 'pat'", [userId]);
  return Number(row?.n ?? 0);
}

/** Deletes the person's token (none of anyone else's, no session): true when there was one. */
export async function deleteApiToken(sql: Sql, userId: string, tokenId: string): Promise<boolean> {
  return (await sql.run("DELETE FROM owner_tokens WHERE id = ? AND user_id = ? AND kind = 'pat'", [tokenId, userId])).changes > 0;
}

/** Records a use; a later one already recorded (another hub's) stays. */
export async function touchApiToken(sql: Sql, tokenId: string, at: number): Promise<void> {
  await sql.run("UPDATE owner_tokens SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)", [at, tokenId, at]);
}
