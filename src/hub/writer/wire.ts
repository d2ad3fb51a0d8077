/**
 * What crosses between the HTTP thread and the writer thread. Calls go over in
 * batches (one message per event-loop turn) and outcomes come back the same way,
 * each batch a flat array of strings and numbers: structured clone copies those
 * far faster than nested objects, and the bodies are already the JSON the
 * client gets.
 *
 *   call:    id, name, now, principal JSON, input JSON (without the principal),
 *            idempotency scope, key, request hash, status               (absent key: null, null, null, 0)
 *   outcome: id, kind, a, b, c
 *            done    a = body JSON,  b = changes ("" for none),  c = run transitions ("RUNNING,…"; 0 for none)
 *            replay  a = body JSON,  b = request hash,               c = status
 *            failed  a = error JSON, b = "",                         c = 0
 */
import type { RunStatus } from "../../sdk/run-state.ts";
import { decodeChanges, emptyChangeSet, encodeChanges } from "../changes.ts";
import type { CommandName } from "../commands.ts";
import { UniqueViolation } from "../db/port.ts";
import { HubError, type HubErrorCode } from "../errors.ts";
import type { Executed } from "./executor.ts";
import type { CommandCall } from "./writer.ts";

export type Batch = (string | number | null)[];

const CALL = 9;
const OUTCOME = 5;
const DONE = 0;
const REPLAY = 1;
const FAILED = 2;

/** Control messages (batches are arrays). */
export type Control =
  | { type: "ready" }
  | { type: "fatal"; error: string }
  | { type: "close" };

/**
 * Who is calling rides apart from the rest of the input: the same principal
 * object (the auth caches hand out one per token) is serialized once, and the
 * writer thread parses each distinct one once.
 */
type WithPrincipal = { agent?: object; user?: object };
const principalJson = new WeakMap<object, string>();
const principals = new Map<string, object>();
const MAX_PRINCIPALS = 10_000;

export function pushCall(batch: Batch, id: number, call: CommandCall): void {
  const idem = call.idempotency;
  const { agent, user, ...rest } = call.input as WithPrincipal;
  const principal = agent ?? user;
  let principalText: string | null = null;
  if (principal) {
    principalText = principalJson.get(principal) ?? null;
    if (principalText === null) {
      principalText = JSON.stringify([agent ? "agent" : "user", principal]);
      principalJson.set(principal, principalText);
    }
  }
  batch.push(
    id, call.name, call.now, principalText, JSON.stringify(rest),
    idem?.scope ?? null, idem?.key ?? null, idem?.requestHash ?? null, idem?.status ?? 0,
  );
}

function withPrincipal(principalText: string | null, input: Record<string, unknown>): unknown {
  if (principalText === null) return input;
  let principal = principals.get(principalText) as [string, object] | undefined;
  if (!principal) {
    if (principals.size >= MAX_PRINCIPALS) principals.clear();
    principal = JSON.parse(principalText) as [string, object];
    principals.set(principalText, principal);
  }
  input[principal[0]] = principal[1];
  return input;
}

export function* readCalls(batch: Batch): Generator<{ id: number; call: CommandCall }> {
  for (let i = 0; i + CALL <= batch.length; i += CALL) {
    const scope = batch[i + 5] as string | null;
    yield {
      id: batch[i] as number,
      call: {
        name: batch[i + 1] as CommandName,
        now: batch[i + 2] as number,
        input: withPrincipal(batch[i + 3] as string | null, JSON.parse(batch[i + 4] as string) as Record<string, unknown>),
        idempotency: scope === null ? undefined : {
          scope, key: batch[i + 6] as string, requestHash: batch[i + 7] as string, status: batch[i + 8] as number,
        },
      },
    };
  }
}

export function pushExecuted(batch: Batch, id: number, executed: Executed): void {
  const { outcome, changes, transitions } = executed;
  if (outcome.kind === "replay") batch.push(id, REPLAY, outcome.json, outcome.requestHash, outcome.status);
  else batch.push(id, DONE, outcome.json, encodeChanges(changes), transitions.length > 0 ? transitions.join(",") : 0);
}

export function pushFailed(batch: Batch, id: number, error: unknown): void {
  batch.push(id, FAILED, encodeError(error), "", 0);
}

export type ReadOutcome =
  | { id: number; ok: true; executed: Executed }
  | { id: number; ok: false; error: Error };

export function* readOutcomes(batch: Batch): Generator<ReadOutcome> {
  for (let i = 0; i + OUTCOME <= batch.length; i += OUTCOME) {
    const id = batch[i] as number;
    const json = batch[i + 2] as string;
    switch (batch[i + 1]) {
      case DONE: {
        const transitions = batch[i + 4];
        yield {
          id, ok: true,
          executed: {
            outcome: { kind: "done", json }, changes: decodeChanges(batch[i + 3] as string),
            transitions: typeof transitions === "string" ? (transitions.split(",") as RunStatus[]) : [],
          },
        };
        break;
      }
      case REPLAY:
        yield {
          id, ok: true,
          executed: { outcome: { kind: "replay", json, requestHash: batch[i + 3] as string, status: batch[i + 4] as number }, changes: emptyChangeSet(), transitions: [] },
        };
        break;
      default:
        yield { id, ok: false, error: decodeError(json) };
    }
  }
}

interface EncodedError {
  name: string;
  message: string;
  code?: HubErrorCode;
  extra?: Record<string, unknown>;
  stack?: string | undefined;
  /** Any other error's own code (a driver's, e.g. SQLITE_NOTADB), so the HTTP thread can tell what failed. */
  errorCode?: string;
}

/** Typed errors keep their code and fields; anything else keeps its message and stack for the log. */
export function encodeError(error: unknown): string {
  if (error instanceof HubError) return JSON.stringify({ name: error.name, message: error.message, code: error.code, extra: error.extra } satisfies EncodedError);
  const e = error instanceof Error ? error : new Error(String(error));
  const code = (e as { code?: unknown }).code;
  return JSON.stringify({ name: e.name, message: e.message, stack: e.stack, ...(typeof code === "string" ? { errorCode: code } : {}) } satisfies EncodedError);
}

export function decodeError(text: string): Error {
  const e = JSON.parse(text) as EncodedError;
  if (e.code) return new HubError(e.code, e.message, e.extra ?? {});
  const error = e.name === "UniqueViolation" ? new UniqueViolation(e.message) : new Error(e.message);
  if (e.stack) error.stack = `${e.stack}\n    (on the writer thread)`;
  if (e.errorCode) Object.assign(error, { code: e.errorCode });
  return error;
}
