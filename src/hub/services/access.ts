import type { Reader, Sql } from "../db/port.ts";
import { notFound } from "../errors.ts";
import type { AgentPrincipal, UserPrincipal } from "../principal.ts";
import { findRun, findRunEnding, findRunForItsAgent, findRunForMember, findRunStarting, type RunEnding, type RunJoined } from "../store/runs.ts";
import { findTaskRowForMember, type TaskRow } from "../store/tasks.ts";
import { findProject, isMember, type ProjectRow } from "../store/workspaces.ts";

/**
 * Visibility rules. What a caller may not see answers 404, never 403, so that
 * existence does not leak: an agent sees only its own runs (and their tasks);
 * a person sees what lives in the workspaces they belong to.
 */
export async function agentRun(sql: Reader, agent: AgentPrincipal, runId: string): Promise<RunJoined> {
  return agentsOwn(agent, await findRun(sql, runId));
}

/** The agent's run to show with its task and feed: 404 too once its creator is out of the task's workspace. */
export async function agentRunToRead(sql: Reader, agent: AgentPrincipal, runId: string): Promise<RunJoined> {
  return agentsOwn(agent, await findRunForItsAgent(sql, runId));
}

/** The agent's run about to end, with its task's cost total before it (one statement). */
export async function agentRunEnding(sql: Reader, agent: AgentPrincipal, runId: string): Promise<RunEnding> {
  return agentsOwn(agent, await findRunEnding(sql, runId));
}

/** The agent's run about to start, its task held first (PostgreSQL; one statement). */
export async function agentRunStarting(sql: Reader, agent: AgentPrincipal, runId: string): Promise<RunJoined> {
  return agentsOwn(agent, await findRunStarting(sql, runId));
}

function agentsOwn<R extends RunJoined>(agent: AgentPrincipal, run: R | undefined): R {
  if (!run || run.agent_id !== agent.agentId) throw notFound("Run");
  return run;
}

export async function userTask(sql: Reader, user: UserPrincipal, taskId: string): Promise<TaskRow> {
  const task = await findTaskRowForMember(sql, taskId, user.userId);
  if (!task) throw notFound("Task");
  return task;
}

export async function userRun(sql: Reader, user: UserPrincipal, runId: string): Promise<RunJoined> {
  const run = await findRunForMember(sql, runId, user.userId);
  if (!run) throw notFound("Run");
  return run;
}

export async function userProject(sql: Reader, user: UserPrincipal, projectId: string): Promise<ProjectRow> {
  const project = await findProject(sql, projectId);
  if (!project || !(await isMember(sql, project.workspace_id, user.userId))) throw notFound("Project");
  return project;
}

export async function userWorkspace(sql: Reader, user: UserPrincipal, workspaceId: string): Promise<void> {
  if (!(await isMember(sql, workspaceId, user.userId))) throw notFound("Workspace");
}

/*
 * For a write that adds to a workspace, project or task (a project, member, task, run or
 * comment): the same rules, read after holding what it adds to (PostgreSQL, see LockableTable).
 * A deletion of it at the same moment commits first, and then it is not found here (404), or
 * waits for this write to commit: nothing is added to what is deleted, nor a run left going there.
 */

export async function userWorkspaceToWrite(sql: Sql, user: UserPrincipal, workspaceId: string): Promise<void> {
  await sql.lock("workspace_contents", workspaceId);
  await userWorkspace(sql, user, workspaceId);
}

export async function userProjectToWrite(sql: Sql, user: UserPrincipal, projectId: string): Promise<ProjectRow> {
  await sql.lock("project_contents", projectId);
  return userProject(sql, user, projectId);
}

export async function userTaskToWrite(sql: Sql, user: UserPrincipal, taskId: string): Promise<TaskRow> {
  return heldInProject(sql, () => userTask(sql, user, taskId));
}

/** For a write that changes the task itself (an edit): its project held, then the task (services/lock-order.ts). */
export async function userTaskToChange(sql: Sql, user: UserPrincipal, taskId: string): Promise<TaskRow> {
  const task = await userTaskToWrite(sql, user, taskId);
  return (await sql.lock("tasks", taskId)) ? userTaskToWrite(sql, user, taskId) : task;
}

export async function userRunToWrite(sql: Sql, user: UserPrincipal, runId: string): Promise<RunJoined> {
  return heldInProject(sql, () => userRun(sql, user, runId));
}

/** Reads a task or run, holds its project, and reads it again if that may have waited (it may be gone, or moved to another project). */
async function heldInProject<T extends { project_id: string }>(sql: Sql, read: () => Promise<T>): Promise<T> {
  let row = await read();
  while (await sql.lock("project_contents", row.project_id)) {
    const again = await read();
    if (again.project_id === row.project_id) return again;
    row = again;
  }
  return row;
}
