/**
 * Agent tokens for the real-time queries, which carry `{ token }` in their args.
 * A lookup is cached by the token's hash only while it is known valid: any
 * committed change to the agent (its runs, a token rotation, its deletion)
 * forgets its entries, so the re-run that change triggers checks the token
 * against the database again and a revoked token fails at once.
 */
import type { Reader } from "../../db/port.ts";
import { hasPrefix, hashToken } from "../../domain/tokens.ts";
import { HubError } from "../../errors.ts";
import { agentFromToken } from "../../http/auth.ts";
import { QueryError } from "../registry.ts";

const MAX_ENTRIES = 100_000;

export class AgentTokens {
  private readonly agentOf = new Map<string, string>();
  private readonly hashesOf = new Map<string, Set<string>>();
  /** Bumped by every forget, so a lookup that raced one does not cache a stale answer. */
  private epoch = 0;

  /** The agent id the token belongs to, or a QueryError UNAUTHORIZED. */
  async agentId(db: Reader, token: string): Promise<string> {
    if (!hasPrefix(token, "agent")) throw invalid();
    const hash = hashToken(token);
    const cached = this.agentOf.get(hash);
    if (cached) return cached;
    const epoch = this.epoch;
    let agentId: string;
    try {
      agentId = (await agentFromToken(db, token)).agentId;
    } catch (error) {
      if (error instanceof HubError && error.code === "unauthorized") throw invalid();
      throw error;
    }
    if (epoch === this.epoch) this.remember(hash, agentId);
    return agentId;
  }

  forgetAll(): void {
    this.epoch++;
    this.agentOf.clear();
    this.hashesOf.clear();
  }

  forget(agentIds: Iterable<string>): void {
    for (const id of agentIds) {
      this.epoch++;
      for (const hash of this.hashesOf.get(id) ?? []) this.agentOf.delete(hash);
      this.hashesOf.delete(id);
    }
  }

  private remember(hash: string, agentId: string): void {
    if (this.agentOf.size >= MAX_ENTRIES) {
      this.agentOf.clear();
      this.hashesOf.clear();
    }
    this.agentOf.set(hash, agentId);
    let hashes = this.hashesOf.get(agentId);
    if (!hashes) this.hashesOf.set(agentId, (hashes = new Set()));
    hashes.add(hash);
  }
}

const invalid = () => new QueryError("UNAUTHORIZED", "Invalid agent token");
