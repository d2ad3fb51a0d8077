import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/** Agent tokens (`gca_`) and owners' personal access tokens (`gcp_`). */
export type TokenKind = "agent" | "owner";
const PREFIX: Record<TokenKind, string> = { agent: "gca_", owner: "gcp_" };

export function newToken(kind: TokenKind): string {
  return PREFIX[kind] + randomBytes(32).toString("base64url");
}

export function hasPrefix(token: string, kind: TokenKind): boolean {
  return token.startsWith(PREFIX[kind]) && token.length > PREFIX[kind].length && token.length <= 512;
}

/** Only this hash is stored; the token itself is shown once and never logged. */
export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/** Constant-time check that `token` hashes to `storedHash`. */
export function tokenMatches(token: string, storedHash: string): boolean {
  const a = Buffer.from(hashToken(token), "hex");
  const b = Buffer.from(storedHash, "hex");
  return a.length === b.length && timingSafeEqual(a, b);
}
