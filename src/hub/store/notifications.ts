import type { Reader, Sql } from "../db/port.ts";
import { tasksIn, type TaskScope } from "./tasks.ts";

export type NotificationType = "run_started" | "run_comment" | "run_finished" | "run_error" | "run_stopped" | "mention";

export interface NotificationRow {
  id: string;
  user_id: string;
  type: NotificationType;
  task_id: string | null;
  run_id: string | null;
  actor_id: string | null;
  body: string;
  created_at: number;
  read_at: number | null;
}

export interface Notification {
  id: string;
  type: NotificationType;
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
    `INSERT INTO notifications (id, user_id, type, task_id, run_id, actor_id, body, created_at, read_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [row.id, row.user_id, row.type, row.task_id, row.run_id, row.actor_id, row.body, row.created_at, row.read_at],
  );
}

export interface NotificationPage {
  unreadOnly: boolean;
  /** Only notifications older than this one (ids sort by creation). */
  before?: string | undefined;
  limit: number;
}

/** The user's notifications, newest first. */
export async function listNotifications(sql: Reader, userId: string, page: NotificationPage): Promise<Notification[]> {
  const rows = await sql.all<NotificationRow & { task_title: string | null; actor_name: string | null }>(
    `SELECT n.*, t.title AS task_title, u.name AS actor_name FROM notifications n
     LEFT JOIN tasks t ON t.id = n.task_id LEFT JOIN users u ON u.id = n.actor_id
     WHERE n.user_id = ? ${page.unreadOnly ? "AND n.read_at IS NULL" : ""} ${page.before ? "AND n.id < ?" : ""} ORDER BY n.id DESC LIMIT ?`,
    page.before ? [userId, page.before, page.limit] : [userId, page.limit],
  );
  return rows.map((r) => ({
    id: r.id,
    type: r.type,
    taskId: r.task_id,
    taskTitle: r.task_title,
    runId: r.run_id,
    actor: r.actor_id ? { id: r.actor_id, name: r.actor_name ?? "" } : null,
    body: r.body,
    createdAt: r.created_at,
    readAt: r.read_at,
  }));
}

/** The people with a notification about the task (their lists and unread counts change with it). */
/** The people with notifications about the scope's tasks (by run and by task, as their indexes go). */
export async function usersNotifiedIn(sql: Reader, scope: TaskScope): Promise<string[]> {
  const { ids, params } = tasksIn(scope);
  const rows = await sql.all<{ user_id: string }>(
    `SELECT user_id FROM notifications WHERE run_id IN (SELECT id FROM runs WHERE task_id IN (${ids}))
     UNION SELECT user_id FROM notifications WHERE run_id IS NULL AND task_id IN (${ids})`,
    [...params, ...params],
  );
  return rows.map((r) => r.user_id);
}

export async function countUnread(sql: Reader, userId: string): Promise<number> {
  const row = await sql.get<{ n: number }>("SELECT COUNT(*) AS n FROM notifications WHERE user_id = ? AND read_at IS NULL", [userId]);
  return Number(row?.n ?? 0);
}

/** Which of the user's notifications to mark read: these ids, or every one up to and including this id. */
export type ReadSelection = { ids: readonly string[] } | { upTo: string };

/** Marks the user's own notifications read; ids of others' are ignored. */
export async function markRead(sql: Sql, userId: string, selection: ReadSelection, now: number): Promise<number> {
  if ("upTo" in selection) {
    // Ids sort by creation: "all read up to here" leaves unread what arrived after the person looked.
    return (await sql.run("UPDATE notifications SET read_at = ? WHERE user_id = ? AND read_at IS NULL AND id <= ?", [now, userId, selection.upTo])).changes;
  }
  const ids = selection.ids;
  if (ids.length === 0) return 0;
  const { changes } = await sql.run(
    `UPDATE notifications SET read_at = ? WHERE user_id = ? AND read_at IS NULL AND id IN (${ids.map(() => "?").join(", ")})`,
    [now, userId, ...ids],
  );
  return changes;
}
