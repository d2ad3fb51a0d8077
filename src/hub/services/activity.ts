import { newId } from "../domain/ids.ts";
import { insertActivity } from "../store/activity.ts";
import type { Write } from "../write.ts";

export async function addComment(w: Write, taskId: string, runId: string | null, authorId: string, body: string): Promise<string> {
  const id = newId("act", w.now);
  await insertActivity(w.sql, {
    id, task_id: taskId, run_id: runId, type: "comment", subject: null, author_id: authorId, body,
    from_status: null, to_status: null, created_at: w.now,
  });
  w.changes.tasks.add(taskId);
  return id;
}

export async function addStatusChange(
  w: Write,
  change: { taskId: string; runId: string | null; subject: "run" | "task"; authorId: string; from: string | null; to: string; body?: string },
): Promise<void> {
  await insertActivity(w.sql, {
    id: newId("act", w.now), task_id: change.taskId, run_id: change.runId, type: "status_change",
    subject: change.subject, author_id: change.authorId, body: change.body ?? "", from_status: change.from,
    to_status: change.to, created_at: w.now,
  });
  w.changes.tasks.add(change.taskId);
}
