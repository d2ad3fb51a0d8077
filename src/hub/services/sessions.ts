/**
 * Signing in to the web UI: the hub prints a link with a one-time code (gcl_,
 * 15 minutes); redeeming it consumes the code and opens a session (gcs_,
 * 30 days) that the browser holds in an HttpOnly cookie.
 */
import { newId } from "../domain/ids.ts";
import { hasPrefix, hashToken, newToken } from "../domain/tokens.ts";
import { notFound, unauthorized } from "../errors.ts";
import type { Reader } from "../db/port.ts";
import { deleteExpiredSessions, deleteSession, findSession, takeLoginCode } from "../store/sessions.ts";
import { findUser, insertOwnerToken } from "../store/users.ts";
import type { Write } from "../write.ts";

export const LOGIN_CODE_TTL_MS = 15 * 60_000;
export const SESSION_TTL_MS = 30 * 24 * 3_600_000;

export interface Session {
  readonly userId: string;
  readonly name: string;
  readonly tokenHash: string;
  readonly expiresAt: number;
}

/** A one-time sign-in code for a person (not an agent's user): 404 for anyone else. */
export async function issueLoginCode(w: Write, userId: string): Promise<{ code: string; expiresAt: number }> {
  const user = await findUser(w.sql, userId);
  if (!user || user.kind !== "user") throw notFound("User");
  const code = newToken("login");
  const expiresAt = w.now + LOGIN_CODE_TTL_MS;
  await insertOwnerToken(w.sql, { id: newId("tok", w.now), user_id: userId, token_hash: hashToken(code), kind: "session", created_at: w.now, expires_at: expiresAt });
  return { code, expiresAt };
}

/** A bad, used or expired code is one answer: 401. */
export async function redeemLoginCode(w: Write, code: string): Promise<{ token: string; session: Session }> {
  if (!hasPrefix(code, "login")) throw unauthorized("Invalid or expired sign-in code");
  const taken = await takeLoginCode(w.sql, hashToken(code), w.now);
  if (!taken) throw unauthorized("Invalid or expired sign-in code");
  return openSession(w, taken.user_id);
}

/** A new 30-day session for the person (who must exist); its token goes only into the cookie. */
export async function openSession(w: Write, userId: string): Promise<{ token: string; session: Session }> {
  const user = await findUser(w.sql, userId);
  if (!user) throw unauthorized("Invalid or expired sign-in code");
  await deleteExpiredSessions(w.sql, w.now);
  const token = newToken("session");
  const expiresAt = w.now + SESSION_TTL_MS;
  await insertOwnerToken(w.sql, { id: newId("tok", w.now), user_id: user.id, token_hash: hashToken(token), kind: "session", created_at: w.now, expires_at: expiresAt });
  return { token, session: { userId: user.id, name: user.name, tokenHash: hashToken(token), expiresAt } };
}

/** The live session a cookie's token names, or null. */
export async function sessionFromToken(sql: Reader, token: string | null, now: number): Promise<Session | null> {
  if (!token || !hasPrefix(token, "session")) return null;
  const tokenHash = hashToken(token);
  const row = await findSession(sql, tokenHash, now);
  if (!row) return null;
  return { userId: row.user_id, name: row.name, tokenHash, expiresAt: row.expires_at };
}

/** Ends a session; live queries of its user re-run (user:<id>) and find it gone. */
export async function endSession(w: Write, token: string): Promise<void> {
  if (!hasPrefix(token, "session")) return;
  const ended = await deleteSession(w.sql, hashToken(token));
  if (ended) w.changes.users.add(ended.user_id);
}
