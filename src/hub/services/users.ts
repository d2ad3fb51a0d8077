import { newId } from "../domain/ids.ts";
import { insertUser } from "../store/users.ts";
import type { Write } from "../write.ts";
import { issueApiToken } from "./api-tokens.ts";
import { requiredText } from "./required-text.ts";

/** Creates a person and a personal access token (gcp_) for them, named after what made it. */
export async function createUser(w: Write, name: string, tokenName: string): Promise<{ userId: string; ownerToken: string }> {
  requiredText(name, "name");
  const userId = newId("usr", w.now);
  await insertUser(w.sql, { id: userId, name: name.trim(), kind: "user", created_at: w.now });
  return { userId, ownerToken: (await issueApiToken(w, userId, tokenName)).token };
}
