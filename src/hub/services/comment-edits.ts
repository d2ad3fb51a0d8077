/**
 * A person's comment on a task, edited or deleted by its author (as in Linear). Only such a comment: another member's
 * is refused (403); an agent's, a status change, a follow-up's message (its run's prompt, sent already) or an id not
 * on the task's own feed is no comment of this kind there (404). An edit tells the people it now @mentions and its
 * text did not before (`mention`), and starts no agent's run: an agent hears of what people write as they post it. A
 * deleted comment leaves the feed (its count, the agent's view of it); a `mention` it sent stays with its words.
 */
import { forbidden, notFound } from "../errors.ts";
import type { UserPrincipal } from "../principal.ts";
import { deleteTaskEntry, findTaskEntryToChange, updateTaskEntryBody, type FeedEntry, type TaskEntry } from "../store/activity.ts";
import type { Write } from "../write.ts";
import { userTask, userTaskToWrite } from "./access.ts";
import { notifyMentioned } from "./notify.ts";
import { readMentions } from "./person-mentions.ts";
import { requiredText } from "./required-text.ts";
import { refeedUploads } from "./upload-refs.ts";

export async function editComment(w: Write, user: UserPrincipal, taskId: string, commentId: string, body: string): Promise<FeedEntry> {
  const said = requiredText(body, "body");
  const task = await userTaskToWrite(w.sql, user, taskId);
  const comment = await ownComment(w, user, taskId, commentId);
  // The same words again change nothing, its editedAt included (as a PATCH of a task's stored values).
  if (said === comment.body) return entry(user, comment, said, comment.edited_at);
  await updateTaskEntryBody(w.sql, taskId, commentId, said, w.now);
  await refeedUploads(w, taskId, comment.body, said);
  const words = { workspaceId: task.workspace_id };
  const [before, now] = [await readMentions(w, user, { ...words, body: comment.body }), await readMentions(w, user, { ...words, body: said })];
  const told = new Set(before.people.map((p) => p.id));
  await notifyMentioned(w, { taskId, runId: null, authorId: user.userId, body: said }, now.people.filter((p) => !told.has(p.id)));
  w.changes.tasks.add(taskId);
  return entry(user, comment, said, w.now);
}

export async function deleteComment(w: Write, user: UserPrincipal, taskId: string, commentId: string): Promise<void> {
  await userTaskToWrite(w.sql, user, taskId);
  const comment = await ownComment(w, user, taskId, commentId);
  await deleteTaskEntry(w.sql, taskId, commentId);
  await refeedUploads(w, taskId, comment.body, "");
  w.changes.tasks.add(taskId);
}

/**
 * The comment, held: a person's on the task's own feed (404 otherwise), and `user`'s (403 for another's). The task is
 * held against its deletion first (the order of services/lock-order.ts): a deletion that has the task's uploads must
 * not wait on this entry while this waits on them.
 */
async function ownComment(w: Write, user: UserPrincipal, taskId: string, commentId: string): Promise<TaskEntry> {
  if (await w.sql.lock("task_contents", taskId)) await userTask(w.sql, user, taskId);
  const comment = await findTaskEntryToChange(w.sql, taskId, commentId);
  if (!comment || comment.type !== "comment" || comment.author_kind !== "user") throw notFound("Comment");
  if (comment.author_id !== user.userId) throw forbidden("Only its author can edit or delete a comment");
  return comment;
}

function entry(user: UserPrincipal, comment: TaskEntry, body: string, editedAt: number | null): FeedEntry {
  return {
    id: comment.id, type: "comment", subject: null, runId: null, author: { id: user.userId, name: user.name, kind: "user" },
    body, from: null, to: null, createdAt: comment.created_at, editedAt,
  };
}
