/**
 * Webhooks: a person's own, and the dispatcher's queue of them. `cursor` is the last notification
 * delivered or passed over; a claim is a lease (`lease_owner` until `lease_until`), taken and renewed
 * only by conditional UPDATEs, so one hub at a time delivers a webhook's events, in order.
 */
import type { Reader, Sql } from "../db/port.ts";

export interface WebhookRow {
  id: string;
  user_id: string;
  url: string;
  /** Kept usable, not hashed: every delivery is signed with it. Never listed. */
  secret: string;
  description: string;
  created_at: number;
  cursor: string;
  next_attempt_at: number;
  failures: number;
  failing_since: number | null;
  last_attempt_at: number | null;
  last_status: number | null;
  last_error: string | null;
  last_delivered_at: number | null;
  disabled_at: number | null;
}

/** What the dispatcher holds of a webhook it claimed. */
export type ClaimedWebhook = Pick<WebhookRow, "id" | "user_id" | "url" | "secret" | "cursor">;

/** How an attempt ended, as the list shows it. */
export interface Attempt {
  at: number;
  /** The receiver's HTTP status; null when none came (a timeout, a refused connection). */
  status: number | null;
  error: string | null;
}

const COLUMNS = `id, user_id, url, secret, description, created_at, cursor, next_attempt_at, failures, failing_since,
  last_attempt_at, last_status, last_error, last_delivered_at, disabled_at`;

export async function insertWebhook(sql: Sql, row: Pick<WebhookRow, "id" | "user_id" | "url" | "secret" | "description" | "created_at" | "cursor">): Promise<void> {
  await sql.run(
    "INSERT INTO webhooks (id, user_id, url, secret, description, created_at, cursor) VALUES (?, ?, ?, ?, ?, ?, ?)",
    [row.id, row.user_id, row.url, row.secret, row.description, row.created_at, row.cursor],
  );
}

/** A person's webhooks, newest first. */
export function listWebhooks(sql: Reader, userId: string): Promise<WebhookRow[]> {
  return sql.all<WebhookRow>(`SELECT ${COLUMNS} FROM webhooks WHERE user_id = ? ORDER BY id DESC`, [userId]);
}

/** One of the person's webhooks (anyone else's is none). */
export function findWebhook(sql: Reader, userId: string, id: string): Promise<WebhookRow | undefined> {
  return sql.get<WebhookRow>(`SELECT ${COLUMNS} FROM webhooks WHERE id = ? AND user_id = ?`, [id, userId]);
}

export async function countWebhooks(sql: Reader, userId: string): Promise<number> {
  const row = await sql.get<{ n: number | string }>("SELECT count(*) AS n FROM webhooks WHERE user_id = ?", [userId]);
  return Number(row?.n ?? 0);
}

export async function deleteWebhook(sql: Sql, userId: string, id: string): Promise<boolean> {
  return (await sql.run("DELETE FROM webhooks WHERE id = ? AND user_id = ?", [id, userId])).changes > 0;
}

/**
 * Enabled webhooks that are due, held by no live lease, and have a notification after their cursor made
 * by `createdUpTo`: each looked up by notifications_user, so an idle hub reads only the webhooks table.
 */
export async function dueWebhooks(sql: Reader, now: number, createdUpTo: number, limit: number): Promise<string[]> {
  return (await sql.all<{ id: string }>(
    `SELECT w.id FROM webhooks w
     WHERE w.disabled_at IS NULL AND w.next_attempt_at <= ? AND w.lease_until < ?
     AND EXISTS (SELECT 1 FROM notifications n WHERE n.user_id = w.user_id AND n.id > w.cursor AND n.created_at <= ?)
     ORDER BY w.next_attempt_at, w.id LIMIT ?`,
    [now, now, createdUpTo, limit],
  )).map((r) => r.id);
}

/** Takes the lease of a due webhook no one holds, in one statement: null when another took it first. */
export function claimWebhook(sql: Sql, id: string, owner: string, now: number, leaseMs: number): Promise<ClaimedWebhook | undefined> {
  return sql.get<ClaimedWebhook>(
    `UPDATE webhooks SET lease_owner = ?, lease_until = ?
     WHERE id = ? AND disabled_at IS NULL AND next_attempt_at <= ? AND lease_until < ?
     RETURNING id, user_id, url, secret, cursor`,
    [owner, now + leaseMs, id, now, now],
  );
}

/** Records a delivery and moves the cursor past it, renewing the lease: its person, or null when the lease was lost (the webhook deleted). */
export async function recordDelivered(sql: Sql, id: string, owner: string, cursor: string, attempt: Attempt, leaseUntil: number): Promise<string | null> {
  const row = await sql.get<{ user_id: string }>(
    `UPDATE webhooks SET cursor = ?, failures = 0, failing_since = NULL, next_attempt_at = 0, last_attempt_at = ?, last_status = ?,
     last_error = NULL, last_delivered_at = ?, lease_until = ? WHERE id = ? AND lease_owner = ? RETURNING user_id`,
    [cursor, attempt.at, attempt.status, attempt.at, leaseUntil, id, owner],
  );
  return row?.user_id ?? null;
}

/** The failure count of a webhook this hub holds, to decide the next attempt. */
export function failuresOf(sql: Sql, id: string, owner: string): Promise<Pick<WebhookRow, "failures" | "failing_since" | "url" | "user_id"> | undefined> {
  return sql.get("SELECT failures, failing_since, url, user_id FROM webhooks WHERE id = ? AND lease_owner = ?", [id, owner]);
}

/** Records a failed attempt and lets the lease go: the next attempt is at `nextAt`, or never (`disabled`). */
export async function recordFailed(
  sql: Sql, id: string, owner: string, attempt: Attempt, failures: number, failingSince: number, nextAt: number, disabled: boolean,
): Promise<void> {
  await sql.run(
    `UPDATE webhooks SET failures = ?, failing_since = ?, next_attempt_at = ?, last_attempt_at = ?, last_status = ?, last_error = ?,
     disabled_at = ?, lease_owner = NULL, lease_until = 0 WHERE id = ? AND lease_owner = ?`,
    [failures, failingSince, nextAt, attempt.at, attempt.status, attempt.error, disabled ? attempt.at : null, id, owner],
  );
}

/** Lets the lease go, the cursor past what was delivered or passed over (the hub stopping, or nothing left). */
export async function releaseWebhook(sql: Sql, id: string, owner: string, cursor: string): Promise<void> {
  await sql.run("UPDATE webhooks SET cursor = ?, lease_owner = NULL, lease_until = 0 WHERE id = ? AND lease_owner = ?", [cursor, id, owner]);
}

/** Turns a disabled webhook on again, from `cursor` (what came while it was off is not sent). */
export async function enableWebhook(sql: Sql, userId: string, id: string, cursor: string): Promise<boolean> {
  return (await sql.run(
    `UPDATE webhooks SET disabled_at = NULL, failures = 0, failing_since = NULL, next_attempt_at = 0, cursor = ?
     WHERE id = ? AND user_id = ? AND disabled_at IS NOT NULL`,
    [cursor, id, userId],
  )).changes > 0;
}
