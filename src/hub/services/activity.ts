import { newId } from "../domain/ids.ts";
import { insertActivities, insertActivity, insertActivityPair, type ActivityRow } from "../store/activity.ts";
import type { Write } from "../write.ts";
import { nameUploads } from "./upload-refs.ts";

export async function addComment(w: Write, taskId: string, runId: string | null, authorId: string, body: string): Promise<string> {
  const row = commentRow(w, taskId, runId, authorId, body);
  await insertActivity(w.sql, row);
  await nameUploads(w, taskId, "feed", [body]);
  w.changes.tasks.add(taskId);
  return row.id;
}

function commentRow(w: Write, taskId: string, runId: string | null, authorId: string, body: string): ActivityRow {
  return {
    id: newId("act", w.now), task_id: taskId, run_id: runId, type: "comment", subject: null, author_id: authorId, body,
    from_status: null, to_status: null, created_at: w.now,
  };
}

/**
 * A status change, and the comment that came with it when `comment` says
 * something: both rows in one statement, the comment after the change.
 */
export async function addStatusChange(
  w: Write,
  change: { taskId: string; runId: string | null; subject: "run" | "task"; authorId: string; from: string | null; to: string; body?: string },
  comment = "",
): Promise<void> {
  const row: ActivityRow = {
    id: newId("act", w.now), task_id: change.taskId, run_id: change.runId, type: "status_change",
    subject: change.subject, author_id: change.authorId, body: change.body ?? "", from_status: change.from,
    to_status: change.to, created_at: w.now,
  };
  if (comment === "") await insertActivity(w.sql, row);
  else await insertActivityPair(w.sql, row, commentRow(w, change.taskId, change.runId, change.authorId, comment));
  // The feed shows its words as Markdown: an image URL there is shown, and keeps its upload.
  await nameUploads(w, change.taskId, "feed", [row.body, comment]);
  w.changes.tasks.add(change.taskId);
}

/**
 * The same change of owner on each of these tasks' feeds (a PATCH of one's owner; a handover as someone leaves a workspace):
 * a status change about the owner, from and to the people's names as they were, `why` its words.
 */
export async function addOwnerChanges(
  w: Write,
  taskIds: readonly string[],
  change: { authorId: string; from: string | null; to: string; why: string },
): Promise<void> {
  await insertActivities(w.sql, taskIds.map((taskId) => ({
    id: newId("act", w.now), task_id: taskId, run_id: null, type: "status_change", subject: "owner", author_id: change.authorId,
    body: change.why, from_status: change.from, to_status: change.to, created_at: w.now,
  })));
  for (const taskId of taskIds) w.changes.tasks.add(taskId);
}
