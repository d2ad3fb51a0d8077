/**
 * Web sessions and one-time sign-in codes. Both live in owner_tokens as kind
 * 'session' rows (hash only, with an expiry); their prefixes (gcs_ / gcl_) keep
 * a code from ever working as a session and vice versa.
 */
import type { Reader, Sql } from "../db/port.ts";

/** Consumes a live code in one statement, so it can be redeemed once only. */
export async function takeLoginCode(sql: Reader, codeHash: string, now: number): Promise<{ user_id: string } | undefined> {
  return sql.get<{ user_id: string }>(
    "DELETE FROM owner_tokens WHERE token_hash = ? AND kind = 'session' AND expires_at > ? RETURNING user_id",
    [codeHash, now],
  );
}

export async function deleteSession(sql: Reader, tokenHash: string): Promise<{ user_id: string } | undefined> {
  return sql.get<{ user_id: string }>("DELETE FROM owner_tokens WHERE token_hash = ? AND kind = 'session' RETURNING user_id", [tokenHash]);
}

/** The person a live session belongs to, and when it ends. */
export function findSession(sql: Reader, tokenHash: string, now: number): Promise<{ user_id: string; name: string; expires_at: number } | undefined> {
  return sql.get(
    `SELECT t.user_id, u.name, t.expires_at FROM owner_tokens t JOIN users u ON u.id = t.user_id
     WHERE t.token_hash = ? AND t.kind = 'session' AND t.expires_at > ?`,
    [tokenHash, now],
  );
}

export async function deleteExpiredSessions(sql: Sql, now: number): Promise<number> {
  return (await sql.run("DELETE FROM owner_tokens WHERE kind = 'session' AND expires_at <= ?", [now])).changes;
}
