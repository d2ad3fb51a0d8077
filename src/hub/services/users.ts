import { newId } from "../domain/ids.ts";
import { badRequest } from "../errors.ts";
import { insertUser } from "../store/users.ts";
import type { Write } from "../write.ts";
import { issueApiToken } from "./api-tokens.ts";

/** Creates a person and a personal access token (gcp_) for them, named after what made it. */
export async function createUser(w: Write, name: string, tokenName: string): Promise<{ userId: string; ownerToken: string }> {
  if (!name.trim()) throw badRequest("name must be a non-empty string");
  const userId = newId("usr", w.now);
  await insertUser(w.sql, { id: userId, name: name.trim(), kind: "user", created_at: w.now });
  return { userId, ownerToken: (await issueApiToken(w, userId, tokenName)).token };
}
