import type { Reader, Sql } from "../db/port.ts";
import { DELETED_PROJECTS } from "./tasks.ts";

/**
 * `task_assigned`: a task was made the person's (someone else changed its owner to them).
 * `tasks_handed_over`: someone left a workspace of theirs and the tasks they owned there are theirs now
 * (one notification for them all: its `workspaceId`, no task; the body names the person and the count).
 * `webhook_disabled`: one of the person's webhooks failed for so long that the hub turned it off (no task, no workspace).
 */
export type NotificationType =
  | "run_started" | "run_comment" | "run_finished" | "run_error" | "run_stopped" | "mention" | "task_assigned" | "tasks_handed_over"
  | "webhook_disabled";

export interface NotificationRow {
  id: string;
  user_id: string;
  type: NotificationType;
  task_id: string | null;
  run_id: string | null;
  actor_id: string | null;
  /** Set for a notification about the workspace rather than one of its tasks (tasks_handed_over); else null. */
  workspace_id: string | null;
  body: string;
  created_at: number;
  read_at: number | null;
}

export interface Notification {
  id: string;
  type: NotificationType;
  /** The workspace it is about: its task's, or its own (tasks_handed_over). */
  workspaceId: string | null;
  taskId: string | null;
  taskTitle: string | null;
  runId: string | null;
  actor: { id: string; name: string } | null;
  body: string;
  createdAt: number;
  readAt: number | null;
}

export async function insertNotification(sql: Sql, row: NotificationRow): Promise<void> {
  await sql.run(
    `INSERT INTO notifications (id, user_id, type, task_id, run_id, actor_id, workspace_id, body, created_at, read_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [row.id, row.user_id, row.type, row.task_id, row.run_id, row.actor_id, row.workspace_id, row.body, row.created_at, row.read_at],
  );
}

export interface NotificationPage {
  unreadOnly: boolean;
  /** Only notifications older than this one (ids sort by creation). */
  before?: string | undefined;
  limit: number;
}

/**
 * Leaves out the notifications (`n`) about tasks of projects deleted and not yet purged, as
 * LIVE_TASK does those tasks: the purger removes them later, in batches. While nothing deleted
 * waits, the first term is true (one probe of an empty partial index, once per statement) and
 * nothing else is read; while a purge runs, each notification read is looked up by its task, so
 * a read costs what it reads and not the size of what was deleted. notifications_unread holds the
 * task_id (migration 0017), so the unread count still reads that index alone.
 */
const SHOWN = `(NOT EXISTS (${DELETED_PROJECTS})
  OR NOT EXISTS (SELECT 1 FROM tasks gone WHERE gone.id = n.task_id AND gone.project_id IN (${DELETED_PROJECTS})))`;

type NotificationViewRow = NotificationRow & { task_title: string | null; task_workspace_id: string | null; actor_name: string | null };

/** A notification with its task's title and workspace and its actor's name: what GET /notifications lists, and webhooks deliver. */
const view = (extra = "") => `SELECT n.*${extra}, t.title AS task_title, t.workspace_id AS task_workspace_id, u.name AS actor_name FROM notifications n
     LEFT JOIN tasks t ON t.id = n.task_id LEFT JOIN users u ON u.id = n.actor_id`;

const toNotification = (r: NotificationViewRow): Notification => ({
  id: r.id,
  type: r.type,
  workspaceId: r.workspace_id ?? r.task_workspace_id,
  taskId: r.task_id,
  taskTitle: r.task_title,
  runId: r.run_id,
  actor: r.actor_id ? { id: r.actor_id, name: r.actor_name ?? "" } : null,
  body: r.body,
  createdAt: r.created_at,
  readAt: r.read_at,
});

/** The user's notifications, newest first. */
export async function listNotifications(sql: Reader, userId: string, page: NotificationPage): Promise<Notification[]> {
  const rows = await sql.all<NotificationViewRow>(
    `${view()}
     WHERE n.user_id = ? ${page.unreadOnly ? "AND n.read_at IS NULL" : ""} ${page.before ? "AND n.id < ?" : ""} AND ${SHOWN}
     ORDER BY n.id DESC LIMIT ?`,
    page.before ? [userId, page.before, page.limit] : [userId, page.limit],
  );
  return rows.map(toNotification);
}

/**
 * The user's first notification after `after` made by `createdUpTo` (a webhook's next event), by
 * notifications_user; `shown` false for one GET /notifications leaves out (its project deleted), which a
 * webhook passes over.
 */
export async function notificationAfter(
  sql: Reader, userId: string, after: string, createdUpTo: number,
): Promise<{ notification: Notification; shown: boolean; workspaceName: string | null } | undefined> {
  // The notification's own workspace (tasks_handed_over), by its name: the webhook's text says which.
  const row = await sql.get<NotificationViewRow & { shown: number | boolean; workspace_name: string | null }>(
    `${view(`, CASE WHEN ${SHOWN} THEN 1 ELSE 0 END AS shown, ws.name AS workspace_name`)}
     LEFT JOIN workspaces ws ON ws.id = n.workspace_id
     WHERE n.user_id = ? AND n.id > ? AND n.created_at <= ? ORDER BY n.id LIMIT 1`,
    [userId, after, createdUpTo],
  );
  return row ? { notification: toNotification(row), shown: Number(row.shown) === 1, workspaceName: row.workspace_name } : undefined;
}

export async function countUnread(sql: Reader, userId: string): Promise<number> {
  const row = await sql.get<{ n: number }>(`SELECT COUNT(*) AS n FROM notifications n WHERE n.user_id = ? AND n.read_at IS NULL AND ${SHOWN}`, [userId]);
  return Number(row?.n ?? 0);
}

/**
 * Which of the user's notifications to mark read: these ids, every one up to and including this id,
 * or the unread ones about this task (the newest TASK_READ_LIMIT of them: opening a task page).
 */
export type ReadSelection = { ids: readonly string[] } | { upTo: string } | { taskId: string };

/** At most this many of a task's unread notifications are marked read at once, the newest first: one write stays small. */
export const TASK_READ_LIMIT = 500;

/**
 * Marks the user's own notifications read; ids of others', and of those no longer shown (their
 * project deleted), are ignored as unknown ones are: the count is of what the person sees change.
 */
export async function markRead(sql: Sql, userId: string, selection: ReadSelection, now: number): Promise<number> {
  if ("upTo" in selection) {
    // Ids sort by creation: "all read up to here" leaves unread what arrived after the person looked.
    return (await sql.run(
      `UPDATE notifications AS n SET read_at = ? WHERE n.user_id = ? AND n.read_at IS NULL AND n.id <= ? AND ${SHOWN}`,
      [now, userId, selection.upTo],
    )).changes;
  }
  if ("taskId" in selection) {
    // Found through the person's unread ones (notifications_unread carries task_id), not the task's.
    return (await sql.run(
      `UPDATE notifications AS n SET read_at = ? WHERE n.id IN (
         SELECT u.id FROM notifications u WHERE u.user_id = ? AND u.read_at IS NULL AND u.task_id = ? ORDER BY u.id DESC LIMIT ?
       ) AND ${SHOWN}`,
      [now, userId, selection.taskId, TASK_READ_LIMIT],
    )).changes;
  }
  const ids = selection.ids;
  if (ids.length === 0) return 0;
  const { changes } = await sql.run(
    `UPDATE notifications AS n SET read_at = ? WHERE n.user_id = ? AND n.read_at IS NULL AND n.id IN (${ids.map(() => "?").join(", ")}) AND ${SHOWN}`,
    [now, userId, ...ids],
  );
  return changes;
}

/**
 * Deletes what the person was told about a workspace and its tasks, as they leave it: the notifications
 * carry its task titles and comments. Found through their own notifications (notifications_user),
 * each checked by its task, so the cost is theirs and not the workspace's size.
 */
export async function deleteNotificationsIn(sql: Sql, userId: string, workspaceId: string): Promise<number> {
  return (await sql.run(
    `DELETE FROM notifications AS n WHERE n.user_id = ?
     AND (n.workspace_id = ? OR EXISTS (SELECT 1 FROM tasks t WHERE t.id = n.task_id AND t.workspace_id = ?))`,
    [userId, workspaceId, workspaceId],
  )).changes;
}

/**
 * Deletes the notifications about the workspace itself (its tasks' go with them), as it is deleted,
 * and answers whose they were: by notifications_workspace, a few rows.
 */
export async function deleteWorkspaceNotifications(sql: Sql, workspaceId: string): Promise<string[]> {
  return (await sql.all<{ user_id: string }>("DELETE FROM notifications WHERE workspace_id = ? RETURNING user_id", [workspaceId])).map((r) => r.user_id);
}
