/**
 * The Agent API contract, as schemas (validated by the hub, typed for clients).
 *
 * Glossary
 * - owner: a person (a user) who creates tasks and agents and delegates work.
 * - agent: a bot identity created by an owner; it authenticates with a `gca_` token
 *   and acts as its own user (`agentUserId`) in activity feeds.
 * - task: a unit of work in a project, with status todo | doing | done.
 * - run: one delegation of a task to an agent (PENDING → RUNNING → FINISHED | ERROR,
 *   or STOPPED by its owner). A follow-up creates a new run on the same task.
 * - turn: one run seen as a step of the task's conversation; costs add up over turns.
 * - activity: a task's feed of comments and status changes, oldest first.
 *
 * Fields marked [DOC] are documented by GroupChat; the rest are ours, and a client
 * talking to hosted GroupChat must tolerate their absence.
 */
import { Type, type Static } from "typebox";
import type { RUN_STATUSES } from "./run-state.ts";

export const TASK_STATUSES = ["todo", "doing", "done"] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) =>
  Type.Union([schema, Type.Null()]);

export const UnixMs = Type.Integer({ minimum: 0, description: "Unix time in milliseconds" });
export const IsoDate = Type.String({ pattern: "^\\d{4}-\\d{2}-\\d{2}$", format: "date", description: "YYYY-MM-DD" });

export const RunStatusSchema = Type.Union([
  Type.Literal("PENDING"), Type.Literal("RUNNING"), Type.Literal("FINISHED"), Type.Literal("ERROR"), Type.Literal("STOPPED"),
]);
export const TaskStatusSchema = Type.Union([Type.Literal("todo"), Type.Literal("doing"), Type.Literal("done")]);

// The literal lists above must stay the state machine's own.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
const _runStatusesMatch: Same<Static<typeof RunStatusSchema>, (typeof RUN_STATUSES)[number]> = true;
const _taskStatusesMatch: Same<Static<typeof TaskStatusSchema>, TaskStatus> = true;

export const PersonRef = Type.Object({ id: Type.String(), name: Type.String() });
export type PersonRef = Static<typeof PersonRef>;

export const Image = Type.Object({ url: Type.String(), name: Type.String() });
export type Image = Static<typeof Image>;

export const Me = Type.Object({
  id: Type.String(),
  name: Type.String(),
  description: Type.String(),
  agentUserId: Type.String(),
  ownerId: Type.String(),
  ownerName: Type.String(),
  createdAt: UnixMs,
});
export type Me = Static<typeof Me>;

export const RunListItem = Type.Object({
  id: Type.String(),
  taskTitle: Type.String({
    description: "In an agent's own lists, a run in a workspace its creator is no longer in says \"A task in a workspace you are no longer in\" here and in `prompt`",
  }),
  prompt: Type.String(),
  status: RunStatusSchema,
  taskId: Type.String(),
  workspaceId: Type.String(),
  projectId: Type.String(),
  lastFollowUpMessage: Nullable(Type.String()),
  owner: PersonRef,
  agent: PersonRef,
  createdAt: UnixMs,
  startedAt: Nullable(UnixMs),
  endedAt: Nullable(UnixMs),
  stepCostUsd: Nullable(Type.Number()),
  totalCostUsd: Nullable(Type.Number()),
});
export type RunListItem = Static<typeof RunListItem>;

export const Task = Type.Object({
  id: Type.String(),
  title: Type.String(),
  description: Type.String(),
  images: Type.Array(Image),
  creator: PersonRef,
  owner: PersonRef,
  dueDate: Nullable(IsoDate),
  status: TaskStatusSchema,
  projectId: Type.String(),
  workspaceId: Type.String(),
  createdAt: UnixMs,
  updatedAt: UnixMs,
});
export type Task = Static<typeof Task>;

export const Activity = Type.Object({
  id: Type.String(),
  type: Type.Union([Type.Literal("comment"), Type.Literal("status_change")]),
  /** What a status change is about: the run's status, the task's column, or the task's owner (from and to: the people's names). */
  subject: Nullable(Type.Union([Type.Literal("run"), Type.Literal("task"), Type.Literal("owner")], {
    description: "A status change's: the run's status, the task's column, or the task's owner (then `from` and `to` are the people's names, `body` why)",
  })),
  runId: Nullable(Type.String()),
  author: Type.Object({
    id: Type.String(),
    name: Type.String(),
    kind: Type.Union([Type.Literal("user"), Type.Literal("agent")]),
  }),
  body: Type.String(),
  from: Nullable(Type.String()),
  to: Nullable(Type.String()),
  createdAt: UnixMs,
});
export type Activity = Static<typeof Activity>;

export const RunDetail = Type.Intersect([
  RunListItem,
  Type.Object({ task: Task, activity: Type.Array(Activity) }),
]);
export type RunDetail = Static<typeof RunDetail>;

/** Body of start / comment / complete / error. */
export const RunMessageBody = Type.Object(
  { body: Type.Optional(Type.String({ maxLength: 200_000 })) },
  { additionalProperties: false },
);
export type RunMessageBody = Static<typeof RunMessageBody>;

export const CostUsd = Type.Number({ minimum: 0, maximum: 1_000_000 });

export const RunResultBody = Type.Object(
  {
    body: Type.Optional(Type.String({ maxLength: 200_000 })),
    stepCostUsd: Type.Optional(CostUsd),
    totalCostUsd: Type.Optional(CostUsd),
  },
  { additionalProperties: false },
);
export type RunResultBody = Static<typeof RunResultBody>;

export const ErrorBody = Type.Object({
  error: Type.String(),
  status: Type.Optional(RunStatusSchema),
});
export type ErrorBody = Static<typeof ErrorBody>;
