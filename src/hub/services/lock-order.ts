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
 * start a run of, then write the task's rows; deleting an agent holds it, then stops its runs; an edit of a task holds
 * its project, then the task; a run's end holds its task, then moves the run; a member's removal holds the workspace,
 * its projects, the tasks it hands over, then stops the runs. A feed entry's insert holds its task only against a
 * deletion (FOR KEY SHARE), so a stop or the reaper may move a run, then add to its task's feed. Known exception: a
 * run's start moves its task to `doing` after the run (the hot path: one statement fewer), so only that run's own end,
 * the same agent calling both at once, can meet it the other way round (PostgreSQL then runs one again).
 */
import type { Sql } from "../db/port.ts";

/** Locks these agents' rows in id order (each once), so two writes that name the same agents never wait in a circle. */
export async function holdAgents(sql: Sql, agentIds: Iterable<string>): Promise<void> {
  for (const id of [...new Set(agentIds)].sort()) await sql.lock("agents", id);
}
