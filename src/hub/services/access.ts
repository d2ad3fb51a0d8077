import type { Reader } from "../db/port.ts";
import { notFound } from "../errors.ts";
import type { AgentPrincipal, UserPrincipal } from "../principal.ts";
import { findRun, type RunJoined } from "../store/runs.ts";
import { findTaskRow, type TaskRow } from "../store/tasks.ts";
import { isMember } from "../store/workspaces.ts";

/**
 * Visibility rules. What a caller may not see answers 404, never 403, so that
 * existence does not leak: an agent sees only its own runs (and their tasks);
 * a person sees what lives in the workspaces they belong to.
 */
export async function agentRun(sql: Reader, agent: AgentPrincipal, runId: string): Promise<RunJoined> {
  const run = await findRun(sql, runId);
  if (!run || run.agent_id !== agent.agentId) throw notFound("Run");
  return run;
}

export async function userTask(sql: Reader, user: UserPrincipal, taskId: string): Promise<TaskRow> {
  const task = await findTaskRow(sql, taskId);
  if (!task || !(await isMember(sql, task.workspace_id, user.userId))) throw notFound("Task");
  return task;
}

export async function userRun(sql: Reader, user: UserPrincipal, runId: string): Promise<RunJoined> {
  const run = await findRun(sql, runId);
  if (!run || !(await isMember(sql, run.workspace_id, user.userId))) throw notFound("Run");
  return run;
}

export async function userWorkspace(sql: Reader, user: UserPrincipal, workspaceId: string): Promise<void> {
  if (!(await isMember(sql, workspaceId, user.userId))) throw notFound("Workspace");
}
