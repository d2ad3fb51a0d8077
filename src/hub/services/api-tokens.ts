/**
 * Personal access tokens (gcp_), like Linear's API keys: anyone signed in makes
 * named ones for scripts, sees them listed (never the secret), and revokes them.
 * A revoked token stops working at once on this hub, and on the others as soon as
 * they hear of it (the change feed's `credentials`, which OwnerAuth follows).
 */
import { newId } from "../domain/ids.ts";
import { hashToken, newToken } from "../domain/tokens.ts";
import { badRequest, conflict, notFound } from "../errors.ts";
import type { UserPrincipal } from "../principal.ts";
import { countApiTokens, deleteApiToken, type ApiTokenRow } from "../store/api-tokens.ts";
import { insertOwnerToken } from "../store/users.ts";
import type { Write } from "../write.ts";
import { requiredText } from "./required-text.ts";

/** Tokens one person may hold at once: enough for every script, few enough to review. */
export const MAX_API_TOKENS = 50;
export const MAX_TOKEN_NAME = 100;
/** How much of a token is kept in the clear, to tell tokens apart: "gcp_" and 4 of its 43 random characters. */
const PREFIX_LENGTH = 8;
/** A token's last use is written at most this often (per token and hub). */
export const LAST_USED_EVERY_MS = 60_000;

export interface ApiTokenView {
  id: string;
  name: string;
  createdAt: number;
  lastUsedAt: number | null;
  prefix: string;
  /** The owner token `hub init` wrote to the data dir's credentials.json: scripts reading that file use it. */
  inCredentialsFile: boolean;
}

/**
 * The token as its person sees it. Which one is in credentials.json is told by its hash, not by
 * its name: "Created by hub init" is a name anyone may give a token of theirs.
 */
export const toApiTokenView = (row: ApiTokenRow, credentialsTokenHash: string | null): ApiTokenView => ({
  id: row.id, name: row.name, createdAt: row.created_at, lastUsedAt: row.last_used_at, prefix: row.prefix,
  inCredentialsFile: row.token_hash === credentialsTokenHash,
});

/** Stores a new token's hash for the person; the token itself is returned this once. */
export async function issueApiToken(w: Write, userId: string, name: string): Promise<{ id: string; token: string }> {
  const token = newToken("owner");
  const id = newId("tok", w.now);
  await insertOwnerToken(w.sql, {
    id, user_id: userId, token_hash: hashToken(token), kind: "pat", created_at: w.now, expires_at: null,
    name, prefix: token.slice(0, PREFIX_LENGTH),
  });
  return { id, token };
}

export async function createApiToken(w: Write, user: UserPrincipal, rawName: string): Promise<{ id: string; name: string; createdAt: number; token: string }> {
  const name = requiredText(rawName, "name");
  // In characters (code points), as the body's schema counts them: an emoji is one, not two UTF-16 units.
  if ([...name].length > MAX_TOKEN_NAME) throw badRequest(`name must be at most ${MAX_TOKEN_NAME} characters`);
  // Two made at the same time (PostgreSQL) take turns on the person's row, so the count holds.
  await w.sql.lock("users", user.userId);
  if ((await countApiTokens(w.sql, user.userId)) >= MAX_API_TOKENS) {
    throw conflict(`You have ${MAX_API_TOKENS} API tokens, the most one person may have: revoke one you no longer use first`);
  }
  const { id, token } = await issueApiToken(w, user.userId, name);
  return { id, name, createdAt: w.now, token };
}

/** Revokes one of the caller's tokens (any other id is 404): it stops working once this commits. */
export async function revokeApiToken(w: Write, user: UserPrincipal, tokenId: string): Promise<void> {
  if (!(await deleteApiToken(w.sql, user.userId, tokenId))) throw notFound("Token");
  w.changes.credentials.add(tokenId);
}
