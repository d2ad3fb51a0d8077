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
}

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

function toActivity(r: ActivityJoined): Activity {
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
  };
}

// A task's feed: its runs' activity and its own (see migration 0003), oldest first (ids sort by creation).
export const FEED_SQL = `${SELECT} WHERE a.run_id IN (SELECT id FROM runs WHERE task_id = ?)
  UNION ALL ${SELECT} WHERE a.task_id = ? AND a.run_id IS NULL
  ORDER BY id`;

/** The task's whole feed, oldest first. */
export async function listActivity(sql: Reader, taskId: string): Promise<Activity[]> {
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
export async function listNewestActivity(sql: Reader, taskId: string, limit: number): Promise<Activity[]> {
  const rows = await sql.all<ActivityJoined>(NEWEST_SQL, [taskId, taskId, limit]);
  return rows.map(toActivity);
}

/** How many entries the task's feed holds. */
export async function countActivity(sql: Reader, taskId: string): Promise<number> {
  const row = await sql.get<{ n: number }>(COUNT_SQL, [taskId, taskId]);
  return Number(row?.n ?? 0);
}
