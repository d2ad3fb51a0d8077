import assert from "node:assert/strict";
import type { Reader } from "../../src/hub/db/port.ts";

/**
 * A database from before uploads had a lifecycle (SQLite 0015, PostgreSQL 0011) with
 * uploads named in each place a task can name one, and what migrations 0016/0012 make
 * of it: the references, the queue of uploads named by none, each workspace's bytes;
 * then 0018/0014, which drop the references to another workspace's uploads that the
 * first recorded (the services never do).
 */
const id = (letter: string) => `upl_${letter.repeat(22)}`;
const url = (letter: string) => `http://127.0.0.1:3210/files/${id(letter)}/${"k".repeat(32)}`;

/** Statements with `?` placeholders, run in order on a database at the version before. */
export const BEFORE: [string, unknown[]][] = [
  ["INSERT INTO users (id, name, kind, created_at) VALUES ('u1', 'Ada', 'user', 0), ('u2', 'Bot', 'agent', 0)", []],
  ["INSERT INTO agents (id, user_id, creator_id, name, created_at) VALUES ('a1', 'u2', 'u1', 'Bot', 0)", []],
  ["INSERT INTO workspaces (id, name, created_by, created_at) VALUES ('w1', 'W', 'u1', 0), ('w2', 'Other', 'u1', 0), ('w3', 'Empty', 'u1', 0)", []],
  ["INSERT INTO projects (id, workspace_id, name, description, created_at) VALUES ('p1', 'w1', 'General', '', 0), ('p2', 'w2', 'Theirs', '', 0)", []],
  ...["a", "b", "c", "d", "e", "f", "g"].map((letter, i): [string, unknown[]] => [
    "INSERT INTO uploads (id, workspace_id, key_hash, content_type, bytes, data, created_by, created_at) VALUES (?, ?, 'h', 'image/png', ?, ?, 'u1', ?)",
    [id(letter), letter === "f" || letter === "g" ? "w2" : "w1", 100 * (i + 1), Buffer.from([i]), 1000 + i],
  ]),
  [
    `INSERT INTO tasks (id, workspace_id, project_id, title, description, status, images, creator_id, owner_id, created_at, updated_at) VALUES
      ('t1', 'w1', 'p1', 'Images', ?, 'todo', ?, 'u1', 'u1', 0, 0),
      ('t2', 'w1', 'p1', 'Description', ?, 'todo', '[]', 'u1', 'u1', 0, 0),
      ('t3', 'w1', 'p1', 'Feed', '', 'todo', '[]', 'u1', 'u1', 0, 0),
      ('t4', 'w2', 'p2', 'Theirs', ?, 'todo', '[]', 'u1', 'u1', 0, 0)`,
    [
      // g of another workspace, whose own task names it too.
      `And ![theirs](${url("g")})`,
      // a twice, and f of another workspace (named by no task of its own); one not an upload's at all.
      JSON.stringify([{ url: url("a"), name: "a" }, { url: url("f"), name: "f" }, { url: url("a"), name: "again" }, { url: "https://x.test/y.png", name: "y" }]),
      `See ![shot](${url("b")}) and /files/upl_nope/x`,
      `Ours: ![g](${url("g")})`,
    ],
  ],
  ["INSERT INTO runs (id, task_id, agent_id, owner_id, status, prompt, created_at) VALUES ('r1', 't3', 'a1', 'u1', 'FINISHED', ?, 0)", [`Fix ${url("d")}`]],
  ["INSERT INTO activity (id, task_id, run_id, type, author_id, body, created_at) VALUES ('act1', 't3', NULL, 'comment', 'u1', ?, 0)", [`![](${url("c")})`]],
];

/** Each task's references to its own workspace's uploads: none from t1 to f or g, of w2. */
const TASK_UPLOADS = [
  { task_id: "t1", field: "images", upload_id: id("a") },
  { task_id: "t2", field: "description", upload_id: id("b") },
  { task_id: "t3", field: "feed", upload_id: id("c") },
  { task_id: "t3", field: "feed", upload_id: id("d") },
  { task_id: "t4", field: "description", upload_id: id("g") },
];

/**
 * e is named by no task: it waits from its creation, as a new upload does. f was named by another
 * workspace's task alone: it waits from the migration (`MIGRATED`), as one its last task let go of does.
 */
const MIGRATED = -1;
const UNREFERENCED = [{ id: id("a"), unreferenced_since: null }, { id: id("b"), unreferenced_since: null }, { id: id("c"), unreferenced_since: null },
  { id: id("d"), unreferenced_since: null }, { id: id("e"), unreferenced_since: 1004 }, { id: id("f"), unreferenced_since: MIGRATED },
  { id: id("g"), unreferenced_since: null }];

const WORKSPACE_BYTES = [{ id: "w1", upload_bytes: 100 + 200 + 300 + 400 + 500 }, { id: "w2", upload_bytes: 600 + 700 }, { id: "w3", upload_bytes: 0 }];

/** The database, migrated from `BEFORE` between `from` and `to` (ms since 1970), holds what the migrations should have made of it. */
export async function assertBackfilled(db: Reader, from: number, to: number): Promise<void> {
  assert.deepEqual(await db.all("SELECT task_id, field, upload_id FROM task_uploads ORDER BY task_id, upload_id"), TASK_UPLOADS);
  const uploads = await db.all<{ id: string; unreferenced_since: number | null }>("SELECT id, unreferenced_since FROM uploads ORDER BY id");
  const migrated = uploads.find((u) => u.id === id("f"))!.unreferenced_since!;
  assert.ok(migrated >= from - 1 && migrated <= to + 1, `f waits from ${migrated}, not from the migration (${from}..${to})`);
  assert.deepEqual(uploads.map((u) => (u.unreferenced_since === migrated ? { ...u, unreferenced_since: MIGRATED } : u)), UNREFERENCED);
  assert.deepEqual(await db.all("SELECT id, upload_bytes FROM workspaces ORDER BY id"), WORKSPACE_BYTES);
}
