/**
 * The one order every write takes its row locks in (PostgreSQL; SQLite runs writes one at a time). Two writes that
 * lock rows in opposite orders can each hold what the other waits for: PostgreSQL then fails one after
 * `deadlock_timeout` (1 s) and the hub runs it again, a stall. So each write goes down this list, never back up:
 *
 *   1. the Idempotency-Key (writer/executor.ts)
 *   2. a person's row (`users`: their agents' names, their tokens, their webhooks)
 *   3. the workspace (`workspaces`, `workspace_projects`, `workspace_contents`)
 *   4. the project (`projects`, `project_edits`, `project_contents`)
 *   5. agents (`agents`), several in id order (`holdAgents`)
 *   6. tasks (`tasks`; `task_contents`: a comment edit's hold against its deletion), then their runs, then the rows that refer to them (their feeds, notifications)
 *   7. uploads, in id order (store/task-uploads.ts)
 *
 * A delegation, a follow-up, a retry and a comment that @mentions agents all hold the project, then every agent they may
 * start a run of (once each: the runs they start take them as held), then write the task's rows; deleting an agent holds
 * it, then stops its runs; an edit of a task holds its project, then the task (its move to or from done then updates
 * the task's runs: their task_done, a trigger); a run's start and its end hold its task, then move the run (the start in
 * its read of the run: FOR NO KEY UPDATE OF t, no statement more); a member's removal holds the workspace, its projects,
 * the tasks it hands over, then stops the runs, then deletes the invites they made; a join by invite holds the
 * workspace, then takes the invite's row. No exception: the start used to move the run, then its task to `doing`,
 * and so deadlocked with an edit marking the task done, a removal handing it over, or a delegation to the same agent
 * (a run's insert holds its task FOR SHARE, then waits for the agent's run going there) (lock-order.test.ts).
 *
 * A task's hold is FOR NO KEY UPDATE: an image a feed entry shows (a task_uploads row: its foreign key takes the task
 * FOR KEY SHARE) waits only for the task's deletion (`task_deletions`, FOR UPDATE), so an agent's comment may touch its
 * run, then name an upload on the task while an edit holds the task. Feed entries and notifications have no foreign key
 * to their task (migration 0005): a stop or the reaper may move a run, then add to its task's feed, without taking it.
 */
import type { Sql } from "../db/port.ts";

/** Locks these agents' rows in id order (each once), so two writes that name the same agents never wait in a circle. */
export async function holdAgents(sql: Sql, agentIds: Iterable<string>): Promise<void> {
  for (const id of [...new Set(agentIds)].sort()) await sql.lock("agents", id);
}
