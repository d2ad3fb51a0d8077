/**
 * The named queries the hub serves over the sync protocol, and how one is run:
 * args checked, the evaluator called, the result encoded and fingerprinted.
 * Nothing here knows about sockets; an evaluator gets the database and its args
 * and returns its value plus the change keys it depends on (`agent:<id>`,
 * `task:<id>`, `user:<id>`, `workspace:<id>`, `webhooks:<user id>`, as in a ChangeSet).
 */
import type { Static, TSchema } from "typebox";
import { Compile } from "typebox/compile";
import type { ChangeSet } from "../changes.ts";
import { InvalidText, type Reader } from "../db/port.ts";
import type { Session } from "../services/sessions.ts";
import { resultHash } from "./result-hash.ts";
import { canonicalUdfPath } from "./udf-path.ts";
import { decodeValue, encodeValue, ValueError, type JsonValue } from "./values.ts";

export interface QueryContext {
  readonly db: Reader;
  /** Unix ms, from the hub's clock. */
  readonly now: number;
  /** The web session the socket was opened with (its cookie, read at the upgrade), if any. */
  readonly session?: Session | null;
  /**
   * The caller proved to be this principal (`agent:<id>` for a valid agent token in the args): the socket counts
   * toward that principal's bound on sockets, and is closed if it is past it.
   */
  readonly identify?: (principal: string) => void;
}

export interface Evaluation {
  readonly value: unknown;
  readonly keys: readonly string[];
  /** When the value goes stale without any write (e.g. a time window), in Unix ms. */
  readonly expiresAt?: number | null;
}

export interface QueryDefinition<S extends TSchema = TSchema> {
  readonly args: S;
  evaluate(ctx: QueryContext, args: Static<S>): Promise<Evaluation>;
}

export type QueryErrorCode = "UNAUTHORIZED" | "NOT_FOUND" | "BAD_REQUEST" | "INVALID_VALUE" | "INTERNAL";

/**
 * A query's failure as the client sees it: `errorMessage` plus `errorData: { code }`. A failed query runs again
 * only when one of `keys` changes (what it read before it failed: a task it could not see, say), when anything
 * may have changed, or when the client subscribes again; without keys it keeps those of its last run.
 */
export class QueryError extends Error {
  override readonly name = "QueryError";
  readonly keys: readonly string[] | null;
  constructor(readonly code: QueryErrorCode, message: string, options?: ErrorOptions & { keys?: readonly string[] }) {
    super(message, options);
    this.keys = options?.keys ?? null;
  }
}

export type Outcome =
  /** `size`: the characters of the value's JSON. */
  | { readonly ok: true; readonly value: JsonValue; readonly hash: string; readonly size: number; readonly keys: readonly string[]; readonly expiresAt: number | null }
  | { readonly ok: false; readonly error: QueryError; readonly hash: string; readonly keys: readonly string[] | null };

interface Entry {
  readonly definition: QueryDefinition;
  readonly check: ReturnType<typeof Compile>;
}

export class QueryRegistry {
  private readonly entries = new Map<string, Entry>();
  private readonly changeListeners: ((changes: ChangeSet) => void)[] = [];

  /** For caches kept by query modules: told of each committed change before any query re-runs. */
  onChange(listener: (changes: ChangeSet) => void): this {
    this.changeListeners.push(listener);
    return this;
  }

  changed(changes: ChangeSet): void {
    for (const listener of this.changeListeners) listener(changes);
  }

  define<S extends TSchema>(udfPath: string, definition: QueryDefinition<S>): this {
    const path = canonicalUdfPath(udfPath);
    if (this.entries.has(path)) throw new Error(`Query ${path} is defined twice`);
    this.entries.set(path, { definition: definition as unknown as QueryDefinition, check: Compile(definition.args) });
    return this;
  }

  has(udfPath: string): boolean {
    return this.entries.has(canonicalUdfPath(udfPath));
  }

  /** Runs a query as a client named it; every failure, even an unexpected one, becomes an Outcome. */
  async run(udfPath: string, wireArgs: readonly unknown[], ctx: QueryContext, componentPath: string | null = null): Promise<Outcome> {
    try {
      const entry = componentPath ? undefined : this.entries.get(canonicalUdfPath(udfPath));
      if (!entry) throw new QueryError("NOT_FOUND", `Could not find public function for '${canonicalUdfPath(udfPath)}'`);
      const args = parseArgs(entry, wireArgs);
      const evaluation = await entry.definition.evaluate(ctx, args);
      let value: JsonValue;
      try {
        value = encodeValue(evaluation.value ?? null);
      } catch (error) {
        if (error instanceof ValueError) throw new QueryError("INVALID_VALUE", `The query returned a value the client cannot read: ${error.message}`);
        throw error;
      }
      const json = JSON.stringify(value);
      return { ok: true, value, hash: resultHash("value", json), size: json.length, keys: evaluation.keys, expiresAt: evaluation.expiresAt ?? null };
    } catch (error) {
      const failure = error instanceof QueryError ? error : error instanceof InvalidText
        // Text in the args that PostgreSQL refuses (a NUL): the client's mistake, as the HTTP API answers it (400), and not logged.
        ? new QueryError("BAD_REQUEST", error.message)
        : new QueryError("INTERNAL", "Internal server error", { cause: error });
      return { ok: false, error: failure, hash: resultHash("error", `${failure.code}\0${failure.message}`), keys: failure.keys };
    }
  }
}

function parseArgs(entry: Entry, wireArgs: readonly unknown[]): unknown {
  if (wireArgs.length !== 1) throw new QueryError("BAD_REQUEST", "Expected exactly one argument object");
  let args: unknown;
  try {
    args = decodeValue(wireArgs[0]);
  } catch (error) {
    throw new QueryError("BAD_REQUEST", `Invalid arguments: ${(error as Error).message}`);
  }
  if (!entry.check.Check(args)) {
    const first = entry.check.Errors(args)[0];
    throw new QueryError("BAD_REQUEST", `Invalid arguments: ${first?.instancePath || "args"} ${first?.message ?? "is invalid"}`);
  }
  return args;
}
