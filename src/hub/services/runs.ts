/**
 * The run lifecycle: the agent's calls (start, comment, heartbeat, complete,
 * error) and the owner's (delegate, stop; a follow-up: follow-up.ts). Every transition goes
 * through the shared state machine and one conditional UPDATE, so a run is never
 * started twice nor completed after it was stopped.
 */
import { nextRunStatus, type RunAction, type RunStatus } from "../../sdk/run-state.ts";
import type { Activity, RunListItem } from "../../sdk/types.ts";
import { deriveCost, type CostInput } from "../domain/cost.ts";
import { newId } from "../domain/ids.ts";
import { isBlank } from "../../sdk/blank-text.ts";
import { foldName, mentionsIn } from "../domain/mentions.ts";
import { conflict, forbidden, HubError, notFound, runConflict } from "../errors.ts";
import type { AgentPrincipal, UserPrincipal } from "../principal.ts";
import { findAgent } from "../store/agents.ts";
import {
  findRun, insertRun, listActiveRunsOfAgent, listActiveRunsOfCreatorIn, toRunListItem, touchAgentRun, touchRun, transitionRun, type RunJoined, type RunRow,
  type TransitionFields,
} from "../store/runs.ts";
import { findTaskRow, markTaskDoing, setTaskCostTotal, type TaskRow } from "../store/tasks.ts";
import { listMembers } from "../store/workspaces.ts";
import type { Write } from "../write.ts";
import { agentRun, agentRunEnding, agentRunStarting, userRun, userTaskToWrite } from "./access.ts";
import { addComment, addStatusChange } from "./activity.ts";
import { holdAgents } from "./lock-order.ts";
import { nameUploads } from "./upload-refs.ts";
import { notify, notifyMentioned } from "./notify.ts";
import { requiredText } from "./required-text.ts";

/**
 * Applies `action` to `run` atomically, or throws the 409 that says where it
 * stands. Returns the run as it now is (built in memory: no second read) and the
 * status it moved from. With writers side by side (PostgreSQL) the run may have
 * moved on since it was read: the conditional UPDATE misses, and the action is
 * judged again against the status it has now (a stop of a run that has just
 * started still stops it). Statuses only move forward, so this ends.
 */
async function transition(
  w: Write,
  run: RunJoined,
  action: RunAction,
  fields: TransitionFields = {},
): Promise<{ run: RunJoined; from: RunStatus }> {
  let from = run.status;
  for (;;) {
    const to = nextRunStatus(from, action);
    if (!to) throw runConflict(action, from);
    if (await transitionRun(w.sql, run.id, from, to, w.now, fields)) return { run: moved(w, run, to, fields), from };
    const current = await findRun(w.sql, run.id);
    // The reaper's condition (no call since) no longer holds: the run is not stale, whatever its status.
    if (!current || (current.status === from && fields.staleBefore !== undefined)) throw runConflict(action, current?.status ?? from);
    from = current.status;
  }
}

function moved(w: Write, run: RunJoined, to: RunStatus, fields: TransitionFields): RunJoined {
  w.transitions.push(to);
  w.changes.agents.add(run.agent_id);
  w.changes.tasks.add(run.task_id);
  return {
    ...run,
    status: to,
    heartbeat_at: w.now,
    started_at: fields.started ? w.now : run.started_at,
    ended_at: fields.ended ? w.now : run.ended_at,
    step_cost_usd: fields.stepCostUsd !== undefined ? fields.stepCostUsd : run.step_cost_usd,
    total_cost_usd: fields.totalCostUsd !== undefined ? fields.totalCostUsd : run.total_cost_usd,
  };
}

// Text that shows nothing (sdk/blank-text.ts) counts as none: a start or end falls back to its sentence, a delegation to the task.
const text = (body: string | undefined) => (body === undefined || isBlank(body) ? "" : body.trim());

/**
 * Tells each workspace member an agent's words on a run (a comment, or a start's or end's body) @mention
 * (`mention`); its run's owner hears of them already (run_started, run_comment, run_finished, run_error).
 * A name two members go by names neither (domain/mentions.ts); the agent's answer does not change.
 */
async function notifyMentionedByAgent(w: Write, run: { task_id: string; owner_id: string }, runId: string, agent: AgentPrincipal, body: string): Promise<void> {
  if (!foldName(body).includes("@")) return;
  const members = await listMembers(w.sql, (await findTaskRow(w.sql, run.task_id))!.workspace_id);
  const comment = { taskId: run.task_id, runId, authorId: agent.userId, body };
  await notifyMentioned(w, comment, mentionsIn(body, members).named, run.owner_id);
}

export async function startRun(w: Write, agent: AgentPrincipal, runId: string, body?: string): Promise<RunListItem> {
  // Its task held, then the run moved (lock-order.ts): as a run's end, an edit or a member's removal takes them.
  const run = await agentRunStarting(w.sql, agent, runId);
  const { run: started, from } = await transition(w, run, "start", { started: true });
  await addStatusChange(w, { taskId: run.task_id, runId, subject: "run", authorId: agent.userId, from, to: started.status }, text(body));
  await moveTaskToDoing(w, run, agent.userId);
  await notify(w, {
    userId: run.owner_id, type: "run_started", taskId: run.task_id, runId, actorId: agent.userId,
    body: text(body) || `${agent.name} started working on "${run.task_title}"`,
  });
  await notifyMentionedByAgent(w, run, runId, agent, text(body));
  return toRunListItem({ ...started, task_status: "doing" });
}

/**
 * Moves the run's task to `doing`, recorded from the status it had: the one read with the run, the task held since
 * (PostgreSQL), so of two agents starting on one task at the same time the second sees the first's move, and a task
 * edited just before moves from where the edit left it.
 */
async function moveTaskToDoing(w: Write, run: RunJoined, authorId: string): Promise<void> {
  const from = run.task_status;
  if (from === "doing" || !(await markTaskDoing(w.sql, run.task_id, from, w.now))) return;
  await addStatusChange(w, { taskId: run.task_id, runId: run.id, subject: "task", authorId, from, to: "doing" });
  w.changes.workspaces.add(run.workspace_id);
}

export async function commentOnRun(w: Write, agent: AgentPrincipal, runId: string, body: string | undefined): Promise<Activity> {
  requiredText(body ?? "", "body");
  // Only RUNNING runs take comments (the state machine); the lease renewal checks that, and a refusal reads the run to say why.
  let run = await touchAgentRun(w.sql, runId, agent.agentId, w.now);
  while (!run) {
    const { status } = await agentRun(w.sql, agent, runId);
    if (status !== "RUNNING") throw runConflict("comment on", status);
    // A start committed between the two statements (PostgreSQL: each sees what committed before it): the run takes
    // the comment now. It answered 409 "Cannot comment on a run that is RUNNING". A RUNNING run only ends, so this ends.
    run = await touchAgentRun(w.sql, runId, agent.agentId, w.now);
  }
  const id = await addComment(w, run.task_id, runId, agent.userId, text(body));
  await notify(w, { userId: run.owner_id, type: "run_comment", taskId: run.task_id, runId, actorId: agent.userId, body: text(body) });
  await notifyMentionedByAgent(w, run, runId, agent, text(body));
  return {
    id, type: "comment", subject: null, runId, author: { id: agent.userId, name: agent.name, kind: "agent" },
    body: text(body), from: null, to: null, createdAt: w.now,
  };
}

/** Renews the run's lease without saying anything to the owner. */
export async function heartbeatRun(w: Write, agent: AgentPrincipal, runId: string): Promise<RunListItem> {
  const run = await agentRun(w.sql, agent, runId);
  if (!nextRunStatus(run.status, "heartbeat")) throw runConflict("heartbeat", run.status);
  await touchRun(w.sql, runId, w.now);
  return toRunListItem({ ...run, heartbeat_at: w.now });
}

export async function endRun(
  w: Write,
  agent: AgentPrincipal,
  runId: string,
  action: "complete" | "error",
  input: CostInput & { body?: string | undefined },
): Promise<RunListItem> {
  let run = await agentRunEnding(w.sql, agent, runId);
  // The task's cost total is read, then built on: another of its runs ending at the same time must wait (PostgreSQL).
  if (await w.sql.lock("tasks", run.task_id)) run = await agentRunEnding(w.sql, agent, runId);
  if (!nextRunStatus(run.status, action)) throw runConflict(action, run.status);
  const cost = deriveCost(input, run.previous_total_cost_usd ?? 0);
  const { run: ended, from } = await transition(w, run, action, { ended: true, stepCostUsd: cost.stepCostUsd, totalCostUsd: cost.totalCostUsd });
  // The next turn to end builds on this total, whichever of the task's runs it is.
  if (cost.totalCostUsd !== null) await setTaskCostTotal(w.sql, run.task_id, cost.totalCostUsd);
  await addStatusChange(w, { taskId: run.task_id, runId, subject: "run", authorId: agent.userId, from, to: ended.status }, text(input.body));
  const fallback = action === "complete" ? `${agent.name} finished "${run.task_title}"` : `${agent.name} hit an error on "${run.task_title}"`;
  await notify(w, {
    userId: run.owner_id, type: action === "complete" ? "run_finished" : "run_error", taskId: run.task_id, runId,
    actorId: agent.userId, body: text(input.body) || fallback,
  });
  await notifyMentionedByAgent(w, run, runId, agent, text(input.body));
  return toRunListItem(ended);
}

const busy = (agentName: string) => conflict(`${agentName} already has a pending or running run on this task`);

/**
 * Inserts a PENDING run, or throws the 409 when its agent has one going on the
 * task. The unique index on active runs decides, race or not; `delegate` relies on
 * it alone (a statement fewer: 0.981× the write path's instructions per lifecycle,
 * bench:write-instructions).
 */
export async function insertActiveRun(w: Write, row: RunRow, agentName: string): Promise<void> {
  if (!(await insertRun(w.sql, row))) throw busy(agentName);
  w.transitions.push("PENDING");
}

/** The prompt a delegation without one gets: the task's title and description. */
function defaultPrompt(title: string, description: string): string {
  return description.trim() ? `${title}\n\n${description.trim()}` : title;
}

export async function delegate(w: Write, user: UserPrincipal, taskId: string, agentId: string, prompt?: string): Promise<RunListItem> {
  const task = await userTaskToWrite(w.sql, user, taskId);
  // The project, then the agent (lock-order.ts). Before the read: an agent being deleted at the same time either sees
  // this run (and stops it) or is seen deleted here.
  await holdAgents(w.sql, [agentId]);
  return (await delegateHeld(w, user, task, agentId, prompt, true))!;
}

/**
 * A delegation that an agent with a run already going on the task skips (null),
 * as an @mention does; so it does an agent deleted since the comment named it.
 * The caller holds the agent already, with those the comment names (`holdAgents`).
 */
export async function delegateUnlessBusy(w: Write, user: UserPrincipal, taskId: string, agentId: string, prompt: string): Promise<RunListItem | null> {
  return delegateHeld(w, user, await userTaskToWrite(w.sql, user, taskId), agentId, prompt, false);
}

/** A delegation of the task to the agent, both held by the caller; `refuse`: a 409 and a 404 instead of null. */
async function delegateHeld(w: Write, user: UserPrincipal, task: TaskRow, agentId: string, prompt: string | undefined, refuse: boolean): Promise<RunListItem | null> {
  const taskId = task.id;
  const agent = await findAgent(w.sql, agentId);
  // Agents are private to their creator: someone else's agent does not exist for you.
  if (!agent || agent.creator_id !== user.userId) {
    if (refuse) throw notFound("Agent");
    return null;
  }
  const row: RunRow = {
    id: newId("run", w.now), task_id: taskId, agent_id: agentId, owner_id: user.userId, status: "PENDING",
    prompt: text(prompt) || defaultPrompt(task.title, task.description), last_follow_up_message: null,
    follows_run_id: null, created_at: w.now, started_at: null, ended_at: null, heartbeat_at: null,
    step_cost_usd: null, total_cost_usd: null,
  };
  if (!(await insertRun(w.sql, row))) {
    if (refuse) throw busy(agent.name);
    return null;
  }
  w.transitions.push("PENDING");
  await addStatusChange(w, {
    taskId, runId: row.id, subject: "run", authorId: user.userId, from: null, to: "PENDING", body: `Delegated to ${agent.name}`,
  });
  // A prompt of one's own is the task's too (the agent is sent it): an image URL there keeps its upload.
  if (text(prompt)) await nameUploads(w, taskId, "feed", [row.prompt]);
  w.changes.agents.add(agentId);
  w.changes.workspaces.add(task.workspace_id);
  // Spelled out: in V8 (Node 20) each key a literal adds after a spread costs ~1.5 µs.
  return toRunListItem({
    id: row.id, task_id: row.task_id, agent_id: row.agent_id, owner_id: row.owner_id, status: row.status, prompt: row.prompt,
    last_follow_up_message: row.last_follow_up_message, follows_run_id: row.follows_run_id, created_at: row.created_at,
    started_at: row.started_at, ended_at: row.ended_at, heartbeat_at: row.heartbeat_at, step_cost_usd: row.step_cost_usd,
    total_cost_usd: row.total_cost_usd, task_title: task.title, workspace_id: task.workspace_id, project_id: task.project_id,
    task_status: task.status, owner_name: user.name, agent_name: agent.name, agent_user_id: agent.user_id, agent_creator_id: agent.creator_id,
  });
}

export async function stopRun(w: Write, user: UserPrincipal, runId: string): Promise<RunListItem> {
  const run = await userRun(w.sql, user, runId);
  if (run.owner_id !== user.userId && run.agent_creator_id !== user.userId) {
    throw forbidden("Only the run's owner can stop it");
  }
  return toRunListItem(await stop(w, run, user.userId));
}

/** Stops the runs a deleted agent had going: no one is left to finish them. */
export async function stopRunsOfDeletedAgent(w: Write, user: UserPrincipal, agentId: string, agentName: string): Promise<void> {
  await stopAll(w, user, await listActiveRunsOfAgent(w.sql, agentId), `${agentName} was deleted`);
}

/** Stops the runs a person's agents had going in a workspace they left: their results would reach no one there. */
export async function stopRunsOfLeavingMember(w: Write, user: UserPrincipal, memberId: string, workspaceId: string, memberName: string): Promise<void> {
  await stopAll(w, user, await listActiveRunsOfCreatorIn(w.sql, memberId, workspaceId), `${memberName} left the workspace`);
}

async function stopAll(w: Write, user: UserPrincipal, runs: RunJoined[], why: string): Promise<void> {
  // One that ended since the list was read (writers side by side, PostgreSQL) has nothing left to stop.
  for (const run of runs) await unlessMovedOn(() => stop(w, run, user.userId, why));
}

/** Runs `step` on a run; false when the run has moved on meanwhile so that it no longer applies (its 409). */
async function unlessMovedOn(step: () => Promise<unknown>): Promise<boolean> {
  try {
    await step();
    return true;
  } catch (error) {
    if (error instanceof HubError && error.code === "conflict") return false;
    throw error;
  }
}

/** PENDING or RUNNING → STOPPED, recorded in the task's feed (with why, when `body` says). */
async function stop(w: Write, run: RunJoined, authorId: string, body?: string): Promise<RunJoined> {
  const { run: stopped, from } = await transition(w, run, "stop", { ended: true });
  await addStatusChange(w, { taskId: run.task_id, runId: run.id, subject: "run", authorId, from, to: stopped.status, body });
  return stopped;
}

/** Ends a RUNNING run whose agent went quiet; false if it moved on meanwhile. */
export async function reapRun(w: Write, runId: string, staleBefore: number): Promise<boolean> {
  const run = await findRun(w.sql, runId);
  if (!run || run.status !== "RUNNING" || (run.heartbeat_at ?? 0) >= staleBefore) return false;
  // Its agent called, or it ended, since the read (writers side by side, PostgreSQL): not stale after all.
  if (!(await unlessMovedOn(() => transition(w, run, "error", { ended: true, staleBefore })))) return false;
  const body = "Agent stopped responding";
  await addStatusChange(w, { taskId: run.task_id, runId, subject: "run", authorId: run.agent_user_id, from: run.status, to: "ERROR", body });
  await notify(w, { userId: run.owner_id, type: "run_error", taskId: run.task_id, runId, actorId: run.agent_user_id, body });
  return true;
}
