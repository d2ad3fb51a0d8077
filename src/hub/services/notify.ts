import { newId } from "../domain/ids.ts";
import type { NotificationType } from "../store/notifications.ts";
import { insertNotification } from "../store/notifications.ts";
import type { Write } from "../write.ts";

export interface NotifyInput {
  userId: string;
  type: NotificationType;
  taskId: string | null;
  runId: string | null;
  actorId: string | null;
  /** For a notification about a workspace rather than one of its tasks (taskId null). */
  workspaceId?: string | undefined;
  body: string;
}

/** Adds a notification for `userId` (never for the actor themself). */
export async function notify(w: Write, input: NotifyInput): Promise<void> {
  if (input.actorId === input.userId) return;
  await insertNotification(w.sql, {
    id: newId("ntf", w.now),
    user_id: input.userId,
    type: input.type,
    task_id: input.taskId,
    run_id: input.runId,
    actor_id: input.actorId,
    workspace_id: input.workspaceId ?? null,
    body: input.body,
    created_at: w.now,
    read_at: null,
  });
  w.changes.users.add(input.userId);
}

/**
 * Tells each workspace member a comment @mentions (`mentioned`, found with `mentionedNames`) that it
 * does (`mention`), the comment's words its body; never its author, nor those `alreadyTold` of it
 * otherwise (a run's owner hears of its agent's comment as run_comment).
 */
export async function notifyMentioned(
  w: Write,
  comment: { taskId: string; runId: string | null; authorId: string; body: string },
  mentioned: readonly { id: string }[],
  alreadyTold: string | null = null,
): Promise<void> {
  for (const person of new Set(mentioned.map((m) => m.id))) {
    if (person === alreadyTold) continue;
    await notify(w, { userId: person, type: "mention", taskId: comment.taskId, runId: comment.runId, actorId: comment.authorId, body: comment.body });
  }
}
