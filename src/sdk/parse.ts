/**
 * Lenient parsing of Agent API answers. Hosted GroupChat documents only a few
 * fields ([DOC] in types.ts); our hub sends more. So a [DOC] field is required
 * and every other field is kept only when present and well-typed, never needed.
 * Each field is checked against the same schema the hub validates with.
 */
import { Compile, type Validator } from "typebox/compile";
import type { Static, TObject, TSchema } from "typebox";
import { Activity, Me, RunListItem, Task, type PersonRef } from "./types.ts";

type Lenient<T, Required extends keyof T> = Pick<T, Required> & Partial<Omit<T, Required>>;

/** A run as `GET /runs` (and `pendingRuns`) lists it: `id`, `taskTitle`, `prompt` always. */
export type AgentRun = Lenient<RunListItem, "id" | "taskTitle" | "prompt">;
/** The agent's profile: `name`, `agentUserId`, `ownerId`, `ownerName` always. */
export type AgentProfile = Lenient<Me, "name" | "agentUserId" | "ownerId" | "ownerName">;
/** A task: the names GroupChat documents, each only when sent. */
export type AgentTask = Partial<Task>;
export type AgentActivity = Partial<Activity>;
/**
 * A run's detail (`GET /runs/:id`): `prompt`, `lastFollowUpMessage` (null when
 * absent), `task`, `activity` and `owner` [DOC]. Our hub's `RunDetail` is one.
 */
export type AgentRunDetail = AgentRun & {
  lastFollowUpMessage: string | null;
  task: AgentTask;
  activity: AgentActivity[];
  owner?: PersonRef;
};

export class ParseError extends Error {
  override readonly name = "ParseError";
}

function record(raw: unknown, what: string): Record<string, unknown> {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new ParseError(`${what} is not an object`);
  return raw as Record<string, unknown>;
}

const compiled = new WeakMap<TSchema, Validator>();

/**
 * `schema`'s check, compiled on first use. Interpreting it (`Value.Check`) cost
 * ~27 µs per listed run, and a `pendingRuns` update carries the whole list; the
 * bridge checks its gateway frames with it too.
 */
export function matches<T extends TSchema>(schema: T, value: unknown): value is Static<T> {
  return validatorOf(schema).Check(value);
}

function validatorOf(schema: TSchema): Validator {
  let validator = compiled.get(schema);
  if (!validator) compiled.set(schema, (validator = Compile(schema) as Validator));
  return validator;
}

type FieldCheck = { key: string; schema: TSchema; check: Validator };
const fields = new WeakMap<TObject, FieldCheck[]>();

/** An object schema's fields with their checks, listed once: `pick` runs per listed run, on every update. */
function fieldsOf(schema: TObject): FieldCheck[] {
  let list = fields.get(schema);
  if (!list) {
    list = Object.entries(schema.properties).map(([key, field]) => ({ key, schema: field as TSchema, check: validatorOf(field as TSchema) }));
    fields.set(schema, list);
  }
  return list;
}

/** Keeps each of `schema`'s fields that `raw` has and that checks; throws if a `required` one is missing or wrong. */
function pick(schema: TObject, raw: unknown, required: readonly string[], what: string): Record<string, unknown> {
  const source = record(raw, what);
  const out: Record<string, unknown> = {};
  for (const { key, schema: fieldSchema, check } of fieldsOf(schema)) {
    const value = source[key];
    if (value !== undefined && check.Check(value)) out[key] = value;
    else if (required.includes(key)) throw new ParseError(`${what}.${key} is missing or not a ${typeLabel(fieldSchema)}`);
  }
  return out;
}

function typeLabel(schema: unknown): string {
  const type = (schema as { type?: unknown }).type;
  return typeof type === "string" ? type : "valid value";
}

function array(raw: unknown, what: string): unknown[] {
  if (!Array.isArray(raw)) throw new ParseError(`${what} is not an array`);
  return raw;
}

export function parseRun(raw: unknown, what = "run"): AgentRun {
  return pick(RunListItem, raw, ["id", "taskTitle", "prompt"], what) as AgentRun;
}

export function parseRuns(raw: unknown): AgentRun[] {
  return array(raw, "runs").map((item, i) => parseRun(item, `runs[${i}]`));
}

export function parseProfile(raw: unknown): AgentProfile {
  return pick(Me, raw, ["name", "agentUserId", "ownerId", "ownerName"], "me") as AgentProfile;
}

export function parseTask(raw: unknown, what = "task"): AgentTask {
  return pick(Task, raw, [], what) as AgentTask;
}

export function parseTasks(raw: unknown): AgentTask[] {
  return array(raw, "tasks").map((item, i) => parseTask(item, `tasks[${i}]`));
}

/** `id` falls back to the id asked for, `taskTitle` to the task's title; `owner` is kept when it is `{ id, name }`. */
export function parseRunDetail(raw: unknown, runId: string): AgentRunDetail {
  const source = record(raw, "run");
  const base = pick(RunListItem, source, ["prompt"], "run");
  const task = parseTask(source.task);
  const activity = array(source.activity, "run.activity").map((item, i) => pick(Activity, item, [], `run.activity[${i}]`));
  return {
    ...base,
    id: typeof base.id === "string" ? base.id : runId,
    taskTitle: typeof base.taskTitle === "string" ? base.taskTitle : (task.title ?? ""),
    lastFollowUpMessage: typeof source.lastFollowUpMessage === "string" ? source.lastFollowUpMessage : null,
    task,
    activity,
  } as AgentRunDetail;
}

/** What a lifecycle POST answered: our hub sends the run; anything else yields what fits. */
export type RunAck = Partial<RunListItem>;

export function parseAck(raw: unknown): RunAck {
  return typeof raw === "object" && raw !== null ? (pick(RunListItem, raw, [], "answer") as RunAck) : {};
}

export function parseActivityAck(raw: unknown): AgentActivity {
  return typeof raw === "object" && raw !== null ? (pick(Activity, raw, [], "answer") as AgentActivity) : {};
}
