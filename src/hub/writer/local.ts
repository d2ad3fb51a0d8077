import type { ChangeFeed } from "../changes.ts";
import type { CommandInput, CommandName, CommandResult } from "../commands.ts";
import type { Database } from "../db/port.ts";
import type { Clock } from "../write.ts";
import { Executor } from "./executor.ts";
import { resultOf, type Idempotency, type Outcome, type Writer } from "./writer.ts";

/**
 * Runs commands on this thread, on any Database (one-shot CLI commands, and a
 * database a second thread could not share).
 */
export class LocalWriter implements Writer {
  private readonly executor: Executor;

  constructor(db: Database, private readonly feed: ChangeFeed, private readonly clock: Clock = Date.now) {
    this.executor = new Executor(db);
  }

  async run<N extends CommandName>(name: N, input: CommandInput<N>): Promise<CommandResult<N>> {
    return resultOf<N>(await this.reply(name, input));
  }

  async reply<N extends CommandName>(name: N, input: CommandInput<N>, idempotency?: Idempotency): Promise<Outcome> {
    const { outcome, changes } = await this.executor.execute({ name, input, now: this.clock(), idempotency });
    this.feed.publish(changes);
    return outcome;
  }

  async close(): Promise<void> {}
}
