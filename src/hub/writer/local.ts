import type { ChangeFeed } from "../changes.ts";
import type { CommandInput, CommandName, CommandResult } from "../commands.ts";
import type { Database } from "../db/port.ts";
import { unavailable } from "../errors.ts";
import type { Clock } from "../write.ts";
import { Executor, type Announce } from "./executor.ts";
import { resultOf, type Idempotency, type Outcome, type Writer } from "./writer.ts";

/**
 * Runs commands on this thread, on any Database (one-shot CLI commands, a hub
 * run with `--writer local`, and a database a second thread could not share).
 * Like the writer thread, it sheds load past `maxPending` calls at once.
 */
export class LocalWriter implements Writer {
  private readonly executor: Executor;
  private pending = 0;

  constructor(
    db: Database,
    private readonly feed: ChangeFeed,
    private readonly clock: Clock = Date.now,
    private readonly maxPending = 10_000,
    announce?: Announce,
  ) {
    this.executor = new Executor(db, announce);
  }

  async run<N extends CommandName>(name: N, input: CommandInput<N>): Promise<CommandResult<N>> {
    return resultOf<N>(await this.reply(name, input));
  }

  async reply<N extends CommandName>(name: N, input: CommandInput<N>, idempotency?: Idempotency): Promise<Outcome> {
    if (this.pending >= this.maxPending) throw unavailable("The hub is busy; try again shortly");
    this.pending++;
    try {
      const { outcome, changes } = await this.executor.execute({ name, input, now: this.clock(), idempotency });
      this.feed.publish(changes);
      return outcome;
    } finally {
      this.pending--;
    }
  }

  async close(): Promise<void> {}
}
