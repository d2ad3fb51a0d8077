/**
 * Agent authentication for the HTTP API, with the principal cached by token hash.
 * An agent calls several times per run, so this saves a lookup per call; the cache
 * forgets an agent as soon as a rotation or deletion of it commits (the change
 * feed's `credentials`), so an old token stops working at once.
 */
import type { ChangeFeed } from "../changes.ts";
import type { Reader } from "../db/port.ts";
import { hashToken } from "../domain/tokens.ts";
import type { AgentPrincipal } from "../principal.ts";
import { agentFromToken, checked } from "./auth.ts";

const MAX_ENTRIES = 50_000;

export class AgentAuth {
  private readonly byHash = new Map<string, AgentPrincipal>();
  /** Bumped by every forget, so a lookup that raced one does not cache a stale answer. */
  private epoch = 0;

  constructor(private readonly db: Reader, feed: ChangeFeed) {
    feed.subscribe((changes) => {
      if (changes.everything) this.forgetAll();
      else if (changes.credentials.size > 0) this.forget(changes.credentials);
    });
  }

  async principal(token: string | null): Promise<AgentPrincipal> {
    const hash = hashToken(checked(token, "agent"));
    const cached = this.byHash.get(hash);
    if (cached) return cached;
    const epoch = this.epoch;
    const principal = await agentFromToken(this.db, token);
    if (epoch === this.epoch) {
      if (this.byHash.size >= MAX_ENTRIES) this.byHash.clear();
      this.byHash.set(hash, principal);
    }
    return principal;
  }

  private forgetAll(): void {
    this.epoch++;
    this.byHash.clear();
  }

  private forget(agentIds: Set<string>): void {
    this.epoch++;
    for (const [hash, principal] of this.byHash) if (agentIds.has(principal.agentId)) this.byHash.delete(hash);
  }
}
