import type { IncomingHttpHeaders } from "node:http";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { ChangeFeed } from "../changes.ts";
import type { Reader } from "../db/port.ts";
import { hasPrefix, hashToken, tokenMatches, type TokenKind } from "../domain/tokens.ts";
import { forbidden, unauthorized } from "../errors.ts";
import type { AgentPrincipal, UserPrincipal } from "../principal.ts";
import { findAgentByTokenHash } from "../store/agents.ts";
import { LAST_USED_EVERY_MS } from "../services/api-tokens.ts";
import { sessionFromToken } from "../services/sessions.ts";
import { findUserByTokenHash } from "../store/users.ts";
import { CSRF_HEADER, passesCsrf, readCookie, SESSION_COOKIE } from "./session-cookie.ts";

/**
 * The token in `Authorization`: Basic (username = token, empty password, as
 * `curl -u gca_X:` sends it) or Bearer. Null when absent or malformed.
 */
export function tokenFromHeader(header: string | undefined): string | null {
  if (!header) return null;
  const space = header.indexOf(" ");
  if (space < 0) return null;
  const scheme = header.slice(0, space).toLowerCase();
  const value = header.slice(space + 1).trim();
  if (scheme === "bearer") return value || null;
  if (scheme !== "basic") return null;
  const decoded = Buffer.from(value, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  const user = colon < 0 ? decoded : decoded.slice(0, colon);
  return user || null;
}

/** What a 401 of the owner API (its session routes too) asks for: a Bearer gcp_ token, or a web session. */
export const OWNER_CHALLENGE = 'Bearer realm="owner"';

/**
 * An onSend hook: every 401 its scope answers names the scheme to authenticate with (`WWW-Authenticate`), whichever
 * hook or handler refused, a session cookie's refusal as a token's; a 403 (signed in, not allowed) gets none.
 */
export function challengeOn401(challenge: string) {
  return (_request: FastifyRequest, reply: FastifyReply, payload: unknown, done: (error: null, payload: unknown) => void): void => {
    if (reply.statusCode === 401) reply.header("www-authenticate", challenge);
    done(null, payload);
  };
}

/** Said of the other API's token: "invalid" would send its holder to check a token that is fine, at the wrong address. */
const OTHER_API: Record<"agent" | "owner", { other: TokenKind; message: string }> = {
  agent: { other: "owner", message: "An owner token (gcp_) is for the owner API at /api/v1; the agent API at /api/v1/agent takes an agent token (gca_)" },
  owner: { other: "agent", message: "An agent token (gca_) is for the agent API at /api/v1/agent; this route takes an owner token (gcp_)" },
};

export function checked(token: string | null, kind: "agent" | "owner"): string {
  if (token && hasPrefix(token, kind)) return token;
  const { other, message } = OTHER_API[kind];
  throw token && hasPrefix(token, other) ? unauthorized(message) : unauthorized();
}

export async function agentFromToken(db: Reader, raw: string | null): Promise<AgentPrincipal> {
  const token = checked(raw, "agent");
  const agent = await findAgentByTokenHash(db, hashToken(token));
  // The lookup is by hash; the constant-time check guards the comparison itself.
  if (!agent || !agent.token_hash || !tokenMatches(token, agent.token_hash)) throw unauthorized("Invalid agent token");
  return {
    kind: "agent", agentId: agent.id, userId: agent.user_id, name: agent.name, description: agent.description,
    creatorId: agent.creator_id, creatorName: agent.creator_name, createdAt: agent.created_at,
  };
}

const MAX_CACHED = 50_000;

interface CachedToken {
  readonly principal: UserPrincipal;
  readonly tokenId: string;
  /** When its use was last recorded (by this hub, or as read from the row). */
  lastUsedAt: number | null;
}

export interface OwnerAuthOptions {
  /** Told of a personal access token's use at most once a minute per token; it records it off the request's path. */
  onUse?: (tokenId: string, at: number) => void;
}

/**
 * The person behind an owner API request: a Bearer gcp_ token, or else the web
 * session cookie, which may change state only with the CSRF header (403 without).
 * A token's person is cached by the token's hash, and forgotten as soon as its
 * revocation commits (the change feed's `credentials` carry its id), as AgentAuth
 * does for agents; the cookie is checked every time, so signing out takes effect at once.
 */
export class OwnerAuth {
  private readonly byHash = new Map<string, CachedToken>();
  /** Bumped by every forget, so a lookup that raced one does not cache a stale answer. */
  private epoch = 0;
  private readonly onUse: (tokenId: string, at: number) => void;

  /** Without a feed nothing cached is ever forgotten: for one-off uses (the benches), never a serving hub. */
  constructor(private readonly db: Reader, feed?: ChangeFeed, options: OwnerAuthOptions = {}) {
    this.onUse = options.onUse ?? (() => {});
    feed?.subscribe((changes) => {
      if (changes.everything) this.forget(() => true);
      else if (changes.credentials.size > 0) this.forget((cached) => changes.credentials.has(cached.tokenId));
    });
  }

  async principal(request: { method: string; headers: IncomingHttpHeaders }, now: number): Promise<UserPrincipal> {
    if (request.headers.authorization === undefined) return this.fromSession(request, now);
    const token = checked(tokenFromHeader(request.headers.authorization), "owner");
    const hash = hashToken(token);
    const cached = this.byHash.get(hash) ?? await this.lookUp(token, hash, now);
    if (cached.lastUsedAt === null || now - cached.lastUsedAt >= LAST_USED_EVERY_MS) {
      cached.lastUsedAt = now;
      this.onUse(cached.tokenId, now);
    }
    return cached.principal;
  }

  private async lookUp(token: string, hash: string, now: number): Promise<CachedToken> {
    const epoch = this.epoch;
    const user = await findUserByTokenHash(this.db, hash, now);
    // The lookup is by hash; the constant-time check guards the comparison itself.
    if (!user || !tokenMatches(token, user.token_hash)) throw unauthorized("Invalid owner token");
    const entry: CachedToken = { principal: { kind: "user", userId: user.id, name: user.name }, tokenId: user.token_id, lastUsedAt: user.last_used_at };
    if (user.expires_at === null && epoch === this.epoch) {
      if (this.byHash.size >= MAX_CACHED) this.byHash.clear();
      this.byHash.set(hash, entry);
    }
    return entry;
  }

  private forget(which: (cached: CachedToken) => boolean): void {
    this.epoch++;
    for (const [hash, cached] of this.byHash) if (which(cached)) this.byHash.delete(hash);
  }

  private async fromSession(request: { method: string; headers: IncomingHttpHeaders }, now: number): Promise<UserPrincipal> {
    const session = await sessionFromToken(this.db, readCookie(request.headers.cookie, SESSION_COOKIE), now);
    if (!session) throw unauthorized();
    if (!passesCsrf(request.method, request.headers)) throw forbidden(`A request signed in by cookie must send ${CSRF_HEADER}: 1`);
    return { kind: "user", userId: session.userId, name: session.name };
  }
}
