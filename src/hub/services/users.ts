import { newId } from "../domain/ids.ts";
import { hashToken, newToken } from "../domain/tokens.ts";
import { badRequest } from "../errors.ts";
import { insertOwnerToken, insertUser } from "../store/users.ts";
import type { Write } from "../write.ts";

/** Creates a person and a personal access token (gcp_) for them. */
export async function createUser(w: Write, name: string): Promise<{ userId: string; ownerToken: string }> {
  if (!name.trim()) throw badRequest("name must be a non-empty string");
  const userId = newId("usr", w.now);
  await insertUser(w.sql, { id: userId, name: name.trim(), kind: "user", created_at: w.now });
  return { userId, ownerToken: await issueOwnerToken(w, userId, "pat", null) };
}

export async function issueOwnerToken(w: Write, userId: string, kind: "pat" | "session", expiresAt: number | null): Promise<string> {
  const token = newToken("owner");
  await insertOwnerToken(w.sql, {
    id: newId("tok", w.now), user_id: userId, token_hash: hashToken(token), kind, created_at: w.now, expires_at: expiresAt,
  });
  return token;
}
