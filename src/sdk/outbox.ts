/**
 * The outbox: lifecycle calls (comment, complete, error) written down before
 * they are sent, and crossed off only once the API acknowledged them (or they
 * became pointless). A `Courier` delivers them; an outbox only remembers.
 *
 * Contract for implementations (the bridge adds a durable SQLite one):
 * - `enqueue` stores an entry; once it resolves the entry survives whatever the
 *   implementation promises to survive (a process restart, for a durable one).
 * - `pending` lists every entry not yet acked, in enqueue order.
 * - `ack` removes an entry for good; acking an unknown id is a no-op.
 * An entry carries its own `idempotencyKey`, so re-sending it after a crash
 * replays the first answer instead of posting twice.
 */
import type { RunResult } from "./client.ts";

export type OutboxKind = "comment" | "complete" | "error";

export interface OutboxEntry {
  /** Unique per entry. */
  id: string;
  runId: string;
  kind: OutboxKind;
  /** `comment` uses only `body`. */
  payload: RunResult;
  idempotencyKey: string;
  /** When it was enqueued (ms). */
  createdAt: number;
}

export interface Outbox {
  enqueue(entry: OutboxEntry): Promise<void>;
  pending(): Promise<OutboxEntry[]>;
  ack(id: string): Promise<void>;
}

/** Keeps entries in memory: survives API outages, not restarts. */
export class MemoryOutbox implements Outbox {
  readonly #entries = new Map<string, OutboxEntry>();

  async enqueue(entry: OutboxEntry): Promise<void> {
    this.#entries.set(entry.id, entry);
  }

  async pending(): Promise<OutboxEntry[]> {
    return [...this.#entries.values()];
  }

  async ack(id: string): Promise<void> {
    this.#entries.delete(id);
  }
}
