/**
 * What a person's words on a task @mention, acted on: a comment's and a follow-up's alike. Each of the author's agents
 * they name gets a PENDING run with the words as its prompt, unless it has one going on the task already (skipped;
 * the words are kept either way); each other person of the task's workspace they name is told (`mention`).
 */
import type { RunListItem } from "../../sdk/types.ts";
import { foldName, mentionsIn } from "../domain/mentions.ts";
import type { UserPrincipal } from "../principal.ts";
import { listAgentsOf } from "../store/agents.ts";
import { listMembers } from "../store/workspaces.ts";
import type { Write } from "../write.ts";
import { notifyMentioned } from "./notify.ts";
import { delegateUnlessBusy } from "./runs.ts";

/** The words, posted already: their task, its workspace, the run they are on (null: a comment on the task) and their text. */
export interface PersonWords {
  taskId: string;
  workspaceId: string;
  runId: string | null;
  body: string;
}

/** Who the words name, read before anything is written: the writer holds `agents` (lock-order.ts) before it writes. */
export interface Mentioned {
  /** The author's agents named (not the one addressed), in the order they are first named. */
  agents: { id: string }[];
  /** The workspace's other people named. */
  people: { id: string }[];
  /** Names they @mention that more than one candidate goes by: they started no run and told no one (domain/mentions.ts). */
  ambiguous: string[];
}

export interface ActedOnMentions {
  /** The runs started for the agents named, in the order they are first named. */
  runs: RunListItem[];
  ambiguous: string[];
}

/**
 * `addressed`: the agent the words are for already (a follow-up's, which has its run): named, it is a candidate like
 * any other (so its name is not read as a person's), and gets no second run.
 */
export async function readMentions(w: Write, user: UserPrincipal, words: { workspaceId: string; body: string }, addressed: string | null = null): Promise<Mentioned> {
  if (!foldName(words.body).includes("@")) return { agents: [], people: [], ambiguous: [] };
  // One pass over the author's agents and the workspace's other people, so "@Mo Bot" names the agent and not Mo. The
  // author is left out: never told of their own words, they would only make a name they share with someone ambiguous.
  const { named, ambiguous } = mentionsIn(words.body, [
    ...(await listAgentsOf(w.sql, user.userId)).map((a) => ({ ...a, agent: true })),
    ...(await listMembers(w.sql, words.workspaceId)).filter((m) => m.id !== user.userId),
  ]);
  return {
    agents: named.filter((m) => "agent" in m && m.id !== addressed),
    people: named.filter((m) => !("agent" in m)),
    ambiguous,
  };
}

/** Tells the people named and starts the agents' runs; the caller holds those agents already (`holdAgents`). */
export async function actOnMentions(w: Write, user: UserPrincipal, words: PersonWords, mentioned: Mentioned): Promise<ActedOnMentions> {
  await notifyMentioned(w, { taskId: words.taskId, runId: words.runId, authorId: user.userId, body: words.body }, mentioned.people);
  const runs: RunListItem[] = [];
  for (const agent of mentioned.agents) {
    // An agent with a run going on this task already is skipped (the unique index decides, race or not).
    const run = await delegateUnlessBusy(w, user, words.taskId, agent.id, words.body);
    if (run) runs.push(run);
  }
  return { runs, ambiguous: mentioned.ambiguous };
}
