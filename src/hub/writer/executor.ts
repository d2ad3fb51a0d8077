/**
 * Runs one command call in one transaction: the Idempotency-Key check, the
 * command, its response body and the stored replay, all or nothing. Used by
 * both writers, on whichever thread holds the database.
 */
import fastJsonStringify from "fast-json-stringify";
import type { RunStatus } from "../../sdk/run-state.ts";
import { emptyChangeSet, isEmpty, type ChangeSet } from "../changes.ts";
import { commands, isCommandName, type Command, type CommandName } from "../commands.ts";
import type { Database, Sql } from "../db/port.ts";
import { findIdempotencyKey, insertIdempotencyKey } from "../store/idempotency.ts";
import { SECRET_WITHHELD, type CommandCall, type Outcome } from "./writer.ts";

export interface Executed {
  outcome: Outcome;
  /** Empty for a replay: nothing was written. */
  changes: ChangeSet;
  /** The statuses runs went to (Write.transitions); empty for a replay. */
  transitions: readonly RunStatus[];
}

type Serialize = (value: unknown) => string;

/** Tells other hubs on the same database of a change, from inside the transaction that makes it. */
export type Announce = (tx: Sql, changes: ChangeSet) => Promise<void>;

export class Executor {
  private readonly serializers = new Map<CommandName, Serialize>();

  constructor(private readonly db: Database, private readonly announce?: Announce) {}

  async execute(call: CommandCall): Promise<Executed> {
    return this.db.transaction(async (sql): Promise<Executed> => {
      const changes = emptyChangeSet();
      const transitions: RunStatus[] = [];
      const idem = call.idempotency;
      if (idem) {
        // A same-key call in flight on another connection (PostgreSQL) commits first, then is replayed here:
        // without the lock this call would run the command again and could fail in it (409) before the key's insert.
        await sql.lock("idempotency_keys", `${idem.scope}\n${idem.key}`);
        // Inside the transaction, so it also sees a same-key call committed (or batched) just before.
        const stored = await findIdempotencyKey(sql, idem.scope, idem.key);
        if (stored) {
          return { outcome: { kind: "replay", json: stored.response_body, status: stored.status_code, requestHash: stored.request_hash }, changes, transitions };
        }
      }
      if (!isCommandName(call.name)) throw new Error(`Unknown command "${String(call.name)}"`);
      const command = commands[call.name] as Command<unknown, unknown>;
      const json = this.serializer(call.name, command)(await command.run({ sql, now: call.now, changes, transitions }, call.input));
      if (idem) {
        await insertIdempotencyKey(sql, {
          scope: idem.scope, key: idem.key, request_hash: idem.requestHash, status_code: idem.status,
          // Tokens are hashed at rest: a response carrying one is not kept (SECRET_WITHHELD).
          response_body: command.secret ? SECRET_WITHHELD : json, created_at: call.now,
        });
      }
      if (this.announce && !isEmpty(changes)) await this.announce(sql, changes);
      return { outcome: { kind: "done", json }, changes, transitions };
    });
  }

  /** The route's own response schema compiled (as Fastify would), or plain JSON; `null` for nothing. */
  private serializer(name: CommandName, command: Command<unknown, unknown>): Serialize {
    let serialize = this.serializers.get(name);
    if (!serialize) {
      const compiled = command.response ? fastJsonStringify(command.response) : JSON.stringify;
      serialize = (value) => (value === undefined ? "null" : compiled(value));
      this.serializers.set(name, serialize);
    }
    return serialize;
  }
}
