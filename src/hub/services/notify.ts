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
