/**
 * A follow-up: the owner's next message to an agent whose run on a task ended, as a new PENDING run of that agent
 * there. Its message is a person's words on the task as a comment is, and its @mentions do what a comment's do
 * (person-mentions.ts): a person of the task's workspace it names is told (`mention`); another of the author's
 * agents it names gets a PENDING run with the message as its prompt (one with a run going there already is skipped);
 * the run's own agent, named, gets nothing more than the follow-up.
 */
import { isEnded } from "../../sdk/run-state.ts";
import type { RunListItem } from "../../sdk/types.ts";
import { newId } from "../domain/ids.ts";
import { conflict, forbidden } from "../errors.ts";
import type { UserPrincipal } from "../principal.ts";
import { findAgent } from "../store/agents.ts";
import { toRunListItem, type RunRow } from "../store/runs.ts";
import type { Write } from "../write.ts";
import { userRunToWrite } from "./access.ts";
import { addComment, addStatusChange } from "./activity.ts";
import { holdAgents } from "./lock-order.ts";
import { actOnMentions, readMentions } from "./person-mentions.ts";
import { requiredText } from "./required-text.ts";
import { insertActiveRun } from "./runs.ts";

/** The follow-up's run, with what its @mentions did. */
export type FollowedUp = RunListItem & {
  /** The runs its @mentions of the author's other agents started, in the order they are first named (not the follow-up's own). */
  runs: RunListItem[];
  /** Names it @mentions that more than one goes by: they started no run and told no one (domain/mentions.ts). */
  ambiguousMentions: string[];
};

export async function followUp(w: Write, user: UserPrincipal, runId: string, message: string): Promise<FollowedUp> {
  const said = requiredText(message, "message");
  const run = await userRunToWrite(w.sql, user, runId);
  // The project, then its agent and those it @mentions, in id order (lock-order.ts); each is read after it.
  const mentioned = await readMentions(w, user, { workspaceId: run.workspace_id, body: said }, run.agent_id);
  await holdAgents(w.sql, [run.agent_id, ...mentioned.agents.map((a) => a.id)]);
  const agent = await findAgent(w.sql, run.agent_id);
  if (!agent) throw conflict(`${run.agent_name} was deleted; delegate the task to another agent`);
  if (agent.creator_id !== user.userId) throw forbidden("Only the agent's creator can send it a follow-up");
  if (!isEnded(run.status)) throw conflict(`Cannot follow up on a run that is ${run.status}`, { status: run.status });
  // A newer run of the same agent still going on this task: the unique index refuses the insert (409), as in `delegate`.
  const row: RunRow = {
    id: newId("run", w.now), task_id: run.task_id, agent_id: run.agent_id, owner_id: user.userId, status: "PENDING",
    prompt: said, last_follow_up_message: said, follows_run_id: run.id, created_at: w.now,
    started_at: null, ended_at: null, heartbeat_at: null, step_cost_usd: null, total_cost_usd: null,
  };
  await insertActiveRun(w, row, agent.name);
  await addComment(w, run.task_id, row.id, user.userId, said);
  await addStatusChange(w, {
    taskId: run.task_id, runId: row.id, subject: "run", authorId: user.userId, from: null, to: "PENDING", body: `Follow-up for ${agent.name}`,
  });
  w.changes.agents.add(run.agent_id);
  const { runs, ambiguous } = await actOnMentions(w, user, { taskId: run.task_id, workspaceId: run.workspace_id, runId: row.id, body: said }, mentioned);
  return { ...toRunListItem({ ...run, ...row, owner_name: user.name }), runs, ambiguousMentions: ambiguous };
}
