import type { ChangeFeed } from "../changes.ts";
import type { CommandInput, CommandName, CommandResult } from "../commands.ts";
import type { Database } from "../db/port.ts";
import { unavailable } from "../errors.ts";
import type { Clock } from "../write.ts";
import { Executor, type Announce } from "./executor.ts";
import { resultOf, type Idempotency, type OnTransitions, type Outcome, type Writer } from "./writer.ts";

export interface LocalWriterOptions {
  clock?: Clock;
  /** Calls held at once before new ones are refused with a 503 (10,000). */
  maxPending?: number;
  /** Tells other hubs on the same database of each change (PostgreSQL). */
  announce?: Announce;
  onTransitions?: OnTransitions;
}

/**
 * Runs commands on this thread, on any Database (one-shot CLI commands, a hub
 * run with `--writer local`, and a database a second thread could not share).
 * Like the writer thread, it sheds load past `maxPending` calls at once.
 */
export class LocalWriter implements Writer {
  private readonly executor: Executor;
  private readonly clock: Clock;
  private readonly maxPending: number;
  private readonly onTransitions: OnTransitions | undefined;
  private pending = 0;

  constructor(db: Database, private readonly feed: ChangeFeed, options: LocalWriterOptions = {}) {
    this.executor = new Executor(db, options.announce);
    this.clock = options.clock ?? Date.now;
    this.maxPending = options.maxPending ?? 10_000;
    this.onTransitions = options.onTransitions;
  }

  async run<N extends CommandName>(name: N, input: CommandInput<N>): Promise<CommandResult<N>> {
    return resultOf<N>(await this.reply(name, input));
  }

  async reply<N extends CommandName>(name: N, input: CommandInput<N>, idempotency?: Idempotency): Promise<Outcome> {
    if (this.pending >= this.maxPending) throw unavailable("The hub is busy; try again shortly");
    this.pending++;
    try {
      const { outcome, changes, transitions } = await this.executor.execute({ name, input, now: this.clock(), idempotency });
      this.feed.publish(changes);
      if (transitions.length > 0) this.onTransitions?.(transitions);
      return outcome;
    } finally {
      this.pending--;
    }
  }

  async close(): Promise<void> {}
}
