/**
 * Lenient parsing of Agent API answers. Hosted GroupChat documents only a few
 * fields ([DOC] in types.ts); our hub sends more. So a [DOC] field is required
 * and every other field is kept only when present and well-typed, never needed.
 * Each field is checked against the same schema the hub validates with.
 */
import { Compile, type Validator } from "typebox/compile";
import type { TObject } from "typebox";
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

type FieldCheck = { key: string; schema: unknown; check: Validator };
const compiled = new WeakMap<TObject, FieldCheck[]>();

/**
 * Each field's checker, compiled once per schema: a `pendingRuns` update carries
 * the whole list, and interpreting the schema (`Value.Check`) took ~27 µs per run.
 */
function fieldChecks(schema: TObject): FieldCheck[] {
  let checks = compiled.get(schema);
  if (!checks) {
    checks = Object.entries(schema.properties).map(([key, fieldSchema]) => ({ key, schema: fieldSchema, check: Compile(fieldSchema) as Validator }));
    compiled.set(schema, checks);
  }
  return checks;
}

/** Keeps each of `schema`'s fields that `raw` has and that checks; throws if a `required` one is missing or wrong. */
function pick(schema: TObject, raw: unknown, required: readonly string[], what: string): Record<string, unknown> {
  const source = record(raw, what);
  const out: Record<string, unknown> = {};
  for (const { key, schema: fieldSchema, check } of fieldChecks(schema)) {
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
