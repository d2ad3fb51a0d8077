/**
 * A retry: an ended run (FINISHED, ERROR, STOPPED) run again, as a new PENDING run of the same agent on the same
 * task with the same prompt and follow-up message, so the agent gets exactly the same work. Its rules are
 * follow-up's and delegate's (the agent's creator only, a member of the task's workspace, one run going per agent and task) and
 * follow-up's (the run has ended; its agent not deleted). The new run says what it retried (`retry_of`).
 */
import { isEnded } from "../../sdk/run-state.ts";
import { newId } from "../domain/ids.ts";
import { conflict, forbidden } from "../errors.ts";
import type { UserPrincipal } from "../principal.ts";
import { findAgent } from "../store/agents.ts";
import { toOwnerRunListItem, type OwnerRunListItem, type RunRow } from "../store/runs.ts";
import type { Write } from "../write.ts";
import { userRunToWrite } from "./access.ts";
import { addStatusChange } from "./activity.ts";
import { holdAgents } from "./lock-order.ts";
import { insertActiveRun } from "./runs.ts";

export async function retryRun(w: Write, user: UserPrincipal, runId: string): Promise<OwnerRunListItem> {
  // A run the caller cannot see (not in its workspace, or its task deleted) is not found.
  const run = await userRunToWrite(w.sql, user, runId);
  // The run is visible to the workspace's members; acting on it is its agent's creator's alone, as a follow-up or a stop.
  if (run.agent_creator_id !== user.userId) throw forbidden("Only the agent's creator can retry its run");
  await holdAgents(w.sql, [run.agent_id]); // the project, then the agent (lock-order.ts); the agent is read after it
  const agent = await findAgent(w.sql, run.agent_id);
  if (!agent) throw conflict(`${run.agent_name} was deleted; delegate the task to another agent`);
  if (!isEnded(run.status)) throw conflict(`Cannot retry a run that is ${run.status}`, { status: run.status });
  const row: RunRow = {
    id: newId("run", w.now), task_id: run.task_id, agent_id: run.agent_id, owner_id: user.userId, status: "PENDING",
    prompt: run.prompt, last_follow_up_message: run.last_follow_up_message, follows_run_id: run.follows_run_id, retry_of: run.id,
    created_at: w.now, started_at: null, ended_at: null, heartbeat_at: null, step_cost_usd: null, total_cost_usd: null,
  };
  // Another run of the agent still going on this task: the unique index refuses the insert (409), as in `delegate`.
  await insertActiveRun(w, row, agent.name);
  await addStatusChange(w, {
    taskId: run.task_id, runId: row.id, subject: "run", authorId: user.userId, from: null, to: "PENDING", body: `Retry for ${agent.name}`,
  });
  w.changes.agents.add(run.agent_id);
  w.changes.workspaces.add(run.workspace_id);
  return toOwnerRunListItem({ ...run, ...row, owner_name: user.name, agent_name: agent.name });
}
