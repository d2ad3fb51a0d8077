/**
 * The write path's port. Every change to the hub's data is a named command
 * (commands.ts) run in one transaction; a writer decides where that happens:
 * in this thread (`LocalWriter`, any Database) or on a thread of its own that
 * owns the SQLite connection (`ThreadWriter`), so that the HTTP thread never
 * waits on SQL. Either way the change feed hears of a write only after it
 * committed, and before its caller does.
 */
import type { RunStatus } from "../../sdk/run-state.ts";
import type { CommandInput, CommandName, CommandResult } from "../commands.ts";

/** A POST's Idempotency-Key, checked and stored in the command's own transaction. */
export interface Idempotency {
  /** Whose key it is (`agent:<id>`, `user:<id>`): keys of two callers never meet. */
  scope: string;
  key: string;
  /** SHA-256 of method, path and body: the same key with another request is refused. */
  requestHash: string;
  /** The status the first response had (replayed with it). */
  status: number;
}

/** One call as the executor sees it (the writers' signatures type the input by name). */
export interface CommandCall {
  name: CommandName;
  input: unknown;
  /** The hub's clock when the call was made: the write's `now`. */
  now: number;
  idempotency?: Idempotency | undefined;
}

/** What an Idempotency-Key keeps of a response that carried a secret shown once (a replay's `json`). */
export const SECRET_WITHHELD = "";

/** What an HTTP reply needs of a command: its body, already serialized, or an earlier answer to replay. */
export type Outcome =
  | { kind: "done"; json: string }
  | { kind: "replay"; json: string; status: number; requestHash: string };

export interface Writer {
  /** Runs a command and resolves with its result (after the commit); rejects with its HubError. */
  run<N extends CommandName>(name: N, input: CommandInput<N>): Promise<CommandResult<N>>;
  /** Runs a command for an HTTP reply; with an Idempotency-Key the outcome may be an earlier reply. */
  reply<N extends CommandName>(name: N, input: CommandInput<N>, idempotency?: Idempotency): Promise<Outcome>;
  /** Finishes the calls in flight, then releases the database. Idempotent. */
  close(): Promise<void>;
}

/** Told on the HTTP thread, once a write committed, of the statuses its runs went to (the hub's metrics). */
export type OnTransitions = (statuses: readonly RunStatus[]) => void;

/** A command's serialized result as a value again (`null` for a command that returns nothing). */
export function resultOf<N extends CommandName>(outcome: Outcome): CommandResult<N> {
  return JSON.parse(outcome.json) as CommandResult<N>;
}
