/**
 * Small helpers over a TestHub for the behaviour suite: exact error assertions,
 * Bearer calls, and runs driven into a given status through the API itself.
 */
import assert from "node:assert/strict";
import type { RunStatus } from "../../src/sdk/run-state.ts";
import { request, type Res, type TestHub } from "./hub.ts";

/**
 * An error response: the exact status, a body of exactly `{ error }` (plus
 * `extra`, e.g. a 409's `{ status }`), and never a 500.
 */
export function assertError(res: Res, status: number, message?: string | RegExp, extra: Record<string, unknown> = {}): void {
  const where = `${status} expected, got ${res.status} ${JSON.stringify(res.body)}`;
  assert.equal(res.status, status, where);
  assert.equal(typeof res.body, "object", where);
  assert.equal(typeof res.body?.error, "string", where);
  assert.deepEqual(Object.keys(res.body).sort(), ["error", ...Object.keys(extra)].sort(), where);
  for (const [key, value] of Object.entries(extra)) assert.deepEqual(res.body[key], value, where);
  if (typeof message === "string") assert.equal(res.body.error, message);
  else if (message) assert.match(res.body.error, message);
}

/** Asserts a success status, showing the body when it is not. */
export function assertStatus(res: Res, status: number): void {
  assert.equal(res.status, status, `${status} expected, got ${res.status} ${JSON.stringify(res.body)}`);
}

/** Calls the agent API with `Authorization: Bearer` instead of Basic. */
export function bearer(t: TestHub, token: string, method: string, path: string, body?: unknown): Promise<Res> {
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  if (body !== undefined) headers["content-type"] = "application/json";
  return request(`${t.apiUrl}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
}

export interface TaskInput {
  projectId?: string;
  title?: string;
  description?: string;
  dueDate?: string | null;
  images?: Array<{ url: string; name: string }>;
}

let titles = 0;

/** Creates a task (in the hub's first project unless told otherwise) as `ownerToken`. */
export async function createTask(t: TestHub, input: TaskInput = {}, ownerToken = t.creds.ownerToken) {
  const res = await t.owner(ownerToken, "POST", "/tasks", {
    projectId: t.creds.projectId, title: `Task ${++titles}`, ...input,
  });
  assertStatus(res, 201);
  return res.body;
}

/** Delegates `taskId` to `agentId` (the hub's first agent by default) as `ownerToken`. */
export async function delegateTo(t: TestHub, taskId: string, agentId = t.creds.agentId, ownerToken = t.creds.ownerToken, prompt?: string) {
  const res = await t.owner(ownerToken, "POST", `/tasks/${taskId}/delegate`, prompt === undefined ? { agentId } : { agentId, prompt });
  assertStatus(res, 201);
  return res.body;
}

/**
 * A fresh run (on its own task) driven into `status` through the API: start for
 * RUNNING, then complete / error for FINISHED / ERROR; the owner's stop of a
 * PENDING run for STOPPED.
 */
export async function runIn(
  t: TestHub,
  status: RunStatus,
  who: { agentId?: string; agentToken?: string; ownerToken?: string } = {},
): Promise<{ taskId: string; runId: string }> {
  const agentToken = who.agentToken ?? t.creds.agentToken;
  const ownerToken = who.ownerToken ?? t.creds.ownerToken;
  const task = await createTask(t, {}, ownerToken);
  const run = await delegateTo(t, task.id, who.agentId ?? t.creds.agentId, ownerToken);
  const step = async (res: Promise<Res>) => assertStatus(await res, 200);
  if (status === "RUNNING" || status === "FINISHED" || status === "ERROR") await step(t.agent(agentToken, "POST", `/runs/${run.id}/start`, { body: "On it" }));
  if (status === "FINISHED") await step(t.agent(agentToken, "POST", `/runs/${run.id}/complete`, { body: "Done" }));
  if (status === "ERROR") await step(t.agent(agentToken, "POST", `/runs/${run.id}/error`, { body: "Cannot" }));
  if (status === "STOPPED") await step(t.owner(ownerToken, "POST", `/runs/${run.id}/stop`));
  const seen = await t.owner(ownerToken, "GET", `/runs/${run.id}`);
  assert.equal(seen.body.status, status);
  return { taskId: task.id, runId: run.id };
}

/** The run's current status as its owner sees it. */
export async function statusOf(t: TestHub, runId: string, ownerToken = t.creds.ownerToken): Promise<RunStatus> {
  const res = await t.owner(ownerToken, "GET", `/runs/${runId}`);
  assertStatus(res, 200);
  return res.body.status;
}

/** A second agent of the hub's owner, with its token. */
export async function secondAgent(t: TestHub, name = "Second Bot", ownerToken = t.creds.ownerToken): Promise<{ id: string; token: string; agentUserId: string }> {
  const res = await t.owner(ownerToken, "POST", "/agents", { name });
  assertStatus(res, 201);
  return res.body;
}

/** A new workspace of the hub's owner with a project (`prj`), and `name` in it with an agent of their own. */
export async function memberWithAgent(t: TestHub, name: string) {
  const ws = (await t.owner(t.creds.ownerToken, "POST", "/workspaces", { name: `${name}'s team` })).body.id as string;
  const prj = (await t.owner(t.creds.ownerToken, "POST", "/projects", { name: "Plans" }, { "x-workspace-id": ws })).body.id as string;
  const member = await t.hub.writer.run("addUser", { name });
  assertStatus(await t.owner(t.creds.ownerToken, "POST", `/workspaces/${ws}/members`, { userId: member.userId }), 201);
  return { ws, prj, member, bot: await secondAgent(t, `${name}'s Bot`, member.ownerToken) };
}
