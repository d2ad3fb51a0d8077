import type { Reader, Sql } from "../db/port.ts";
import type { Activity } from "../../sdk/types.ts";

export interface ActivityRow {
  id: string;
  task_id: string;
  run_id: string | null;
  type: "comment" | "status_change";
  /** What a status change is about; for "owner", from_status and to_status are the two people's names. */
  subject: "run" | "task" | "owner" | null;
  author_id: string;
  body: string;
  from_status: string | null;
  to_status: string | null;
  created_at: number;
  /** When its author last edited it (a person's comment on the task); null: never. Left out of an insert. */
  edited_at?: number | null;
}

/** A feed entry as its owner sees it: the agent API's Activity, and when a person's comment was last edited (null: never). */
export type FeedEntry = Activity & { editedAt: number | null };

const INSERT = "INSERT INTO activity (id, task_id, run_id, type, subject, author_id, body, from_status, to_status, created_at) VALUES";
const ROW = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
const INSERT_ONE = `${INSERT} ${ROW}`;
const INSERT_TWO = `${INSERT} ${ROW}, ${ROW}`;

export async function insertActivity(sql: Sql, row: ActivityRow): Promise<void> {
  await sql.run(INSERT_ONE, params(row, []));
}

/** Two rows in one statement (a status change and the comment that came with it). */
export async function insertActivityPair(sql: Sql, first: ActivityRow, second: ActivityRow): Promise<void> {
  await sql.run(INSERT_TWO, params(second, params(first, [])));
}

/** Rows this many at a time in one statement: 1,000 parameters, within either database's bound. */
const ROWS_PER_INSERT = 100;

/** Many rows (a handover's entry on each task), a hundred per statement. */
export async function insertActivities(sql: Sql, rows: readonly ActivityRow[]): Promise<void> {
  for (let at = 0; at < rows.length; at += ROWS_PER_INSERT) {
    const chunk = rows.slice(at, at + ROWS_PER_INSERT);
    const values: (string | number | null)[] = [];
    for (const row of chunk) params(row, values);
    await sql.run(`${INSERT} ${chunk.map(() => ROW).join(", ")}`, values);
  }
}

function params(row: ActivityRow, into: (string | number | null)[]): (string | number | null)[] {
  into.push(row.id, row.task_id, row.run_id, row.type, row.subject, row.author_id, row.body, row.from_status, row.to_status, row.created_at);
  return into;
}

type ActivityJoined = ActivityRow & { author_name: string; author_kind: "user" | "agent" };

const SELECT = `SELECT a.*, u.name AS author_name, u.kind AS author_kind
  FROM activity a JOIN users u ON u.id = a.author_id`;

function toActivity(r: ActivityJoined): FeedEntry {
  return {
    id: r.id,
    type: r.type,
    subject: r.subject,
    runId: r.run_id,
    author: { id: r.author_id, name: r.author_name, kind: r.author_kind },
    body: r.body,
    from: r.from_status,
    to: r.to_status,
    createdAt: r.created_at,
    editedAt: r.edited_at ?? null,
  };
}

// A task's feed: its runs' activity and its own (see migration 0003), oldest first (ids sort by creation).
export const FEED_SQL = `${SELECT} WHERE a.run_id IN (SELECT id FROM runs WHERE task_id = ?)
  UNION ALL ${SELECT} WHERE a.task_id = ? AND a.run_id IS NULL
  ORDER BY id`;

/** The task's whole feed, oldest first. */
export async function listActivity(sql: Reader, taskId: string): Promise<FeedEntry[]> {
  const rows = await sql.all<ActivityJoined>(FEED_SQL, [taskId, taskId]);
  return rows.map(toActivity);
}

// The newest entries of the feed: their ids picked off the feed's two indexes alone (SQLite's
// hold the rowid, seq), then only those rows read, with their authors.
const NEWEST_SQL = `SELECT a.*, u.name AS author_name, u.kind AS author_kind
  FROM (SELECT f.seq FROM (
      SELECT seq, id FROM activity WHERE run_id IN (SELECT id FROM runs WHERE task_id = ?)
      UNION ALL SELECT seq, id FROM activity WHERE task_id = ? AND run_id IS NULL
    ) f ORDER BY f.id DESC LIMIT ?) p
  JOIN activity a ON a.seq = p.seq JOIN users u ON u.id = a.author_id
  ORDER BY a.id`;

const COUNT_SQL = `SELECT (SELECT COUNT(*) FROM activity WHERE run_id IN (SELECT id FROM runs WHERE task_id = ?))
  + (SELECT COUNT(*) FROM activity WHERE task_id = ? AND run_id IS NULL) AS n`;

/** The newest `limit` entries of the task's feed, oldest first (the task page's window on it). */
export async function listNewestActivity(sql: Reader, taskId: string, limit: number): Promise<FeedEntry[]> {
  const rows = await sql.all<ActivityJoined>(NEWEST_SQL, [taskId, taskId, limit]);
  return rows.map(toActivity);
}

/** How many entries the task's feed holds. */
export async function countActivity(sql: Reader, taskId: string): Promise<number> {
  const row = await sql.get<{ n: number }>(COUNT_SQL, [taskId, taskId]);
  return Number(row?.n ?? 0);
}

/** A feed entry on the task itself (not a run's), as an edit or deletion of a comment reads it. */
export interface TaskEntry {
  id: string;
  type: ActivityRow["type"];
  author_id: string;
  author_kind: "user" | "agent";
  body: string;
  created_at: number;
  edited_at: number | null;
}

/**
 * The entry `id` of the task's own feed (people's comments, the task's status and owner changes; a run's entries are
 * not), locked until the write ends (PostgreSQL): two edits of one comment go one after the other. Off activity_task.
 */
export function findTaskEntryToChange(sql: Sql, taskId: string, id: string): Promise<TaskEntry | undefined> {
  const lock = sql.dialect === "postgres" ? " FOR UPDATE OF a" : "";
  return sql.get<TaskEntry>(
    `SELECT a.id, a.type, a.author_id, u.kind AS author_kind, a.body, a.created_at, a.edited_at FROM activity a JOIN users u ON u.id = a.author_id
      WHERE a.task_id = ? AND a.run_id IS NULL AND a.id = ?${lock}`,
    [taskId, id],
  );
}

/** The task's own entry `id` says `body` now, edited at `at`. */
export async function updateTaskEntryBody(sql: Sql, taskId: string, id: string, body: string, at: number): Promise<void> {
  await sql.run("UPDATE activity SET body = ?, edited_at = ? WHERE task_id = ? AND run_id IS NULL AND id = ?", [body, at, taskId, id]);
}

/** The task's own entry `id` is gone from its feed. */
export async function deleteTaskEntry(sql: Sql, taskId: string, id: string): Promise<void> {
  await sql.run("DELETE FROM activity WHERE task_id = ? AND run_id IS NULL AND id = ?", [taskId, id]);
}

const LIKE_SPECIAL = /[\\%_]/g;

/**
 * The texts of the task's feed (its entries', its runs' prompts) that hold any of these strings: what may still name an
 * upload a comment's edit or deletion let go of. Rare, and read only for the uploads it named: the task's feed is
 * scanned once for them.
 */
export async function feedTextsHolding(sql: Reader, taskId: string, needles: readonly string[]): Promise<string[]> {
  if (needles.length === 0) return [];
  const patterns = needles.map((n) => `%${n.replace(LIKE_SPECIAL, (c) => `\\${c}`)}%`);
  const any = (column: string) => `(${patterns.map(() => `${column} LIKE ? ESCAPE '\\'`).join(" OR ")})`;
  const rows = await sql.all<{ text: string }>(
    `SELECT body AS text FROM activity WHERE run_id IN (SELECT id FROM runs WHERE task_id = ?) AND ${any("body")}
      UNION ALL SELECT body FROM activity WHERE task_id = ? AND run_id IS NULL AND ${any("body")}
      UNION ALL SELECT prompt FROM runs WHERE task_id = ? AND ${any("prompt")}`,
    [taskId, ...patterns, taskId, ...patterns, taskId, ...patterns],
  );
  return rows.map((r) => r.text);
}
