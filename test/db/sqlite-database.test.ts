import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { migrationVersions } from "../support/migrations.ts";
import BetterSqlite3 from "better-sqlite3";
import { UniqueViolation, type SqlValue } from "../../src/hub/db/port.ts";
import { FEED_SQL, listActivity } from "../../src/hub/store/activity.ts";
import { SqliteDatabase } from "../../src/hub/db/sqlite.ts";
import { listApiTokens } from "../../src/hub/store/api-tokens.ts";
import { findRunEnding } from "../../src/hub/store/runs.ts";
import { listTasksForAgent, listTasksForUser } from "../../src/hub/store/task-lists.ts";
import { deleteTasks } from "../../src/hub/store/tasks.ts";
import { assertBackfilled, BEFORE } from "../support/upload-backfill.ts";

describe("the SQLite adapter", () => {
  let dir: string;
  let db: SqliteDatabase;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "gc-db-"));
    db = new SqliteDatabase(join(dir, "hub.sqlite"));
  });
  after(async () => {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const insertUser = (id: string) =>
    db.transaction((tx) => tx.run("INSERT INTO users (id, name, kind, created_at) VALUES (?, ?, 'user', 0)", [id, id]));
  const count = async () => (await db.get<{ n: number }>("SELECT COUNT(*) AS n FROM users"))!.n;

  /** A file at an older schema version (its migrations up to `version` applied), with a person, an agent and a project (unless `seed` is false). */
  function databaseAt(file: string, version: number, seed = true): BetterSqlite3.Database {
    const raw = new BetterSqlite3(file);
    raw.exec("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)");
    for (const name of readdirSync(new URL("../../src/hub/db/migrations/sqlite/", import.meta.url)).filter((f) => Number(f.slice(0, 4)) <= version).sort()) {
      raw.exec(readFileSync(new URL(`../../src/hub/db/migrations/sqlite/${name}`, import.meta.url), "utf8"));
      raw.prepare("INSERT INTO schema_migrations VALUES (?, ?, 0)").run(Number(name.slice(0, 4)), name);
    }
    if (!seed) return raw;
    raw.exec(`INSERT INTO users VALUES ('u1', 'Ada', 'user', 0), ('u2', 'Bot', 'agent', 0);
      INSERT INTO agents (id, user_id, creator_id, name, created_at) VALUES ('a1', 'u2', 'u1', 'Bot', 0);
      INSERT INTO workspaces VALUES ('w1', 'W', 'u1', 0);
      INSERT INTO projects VALUES ('p1', 'w1', 'General', '', 0);`);
    return raw;
  }

  it("applies the numbered migrations once, with WAL and foreign keys on", async () => {
    const raw = new BetterSqlite3(join(dir, "hub.sqlite"), { readonly: true });
    try {
      assert.equal(raw.pragma("journal_mode", { simple: true }), "wal");
      const versions = raw.prepare("SELECT version FROM schema_migrations ORDER BY version").all() as { version: number }[];
      assert.deepEqual(versions.map((v) => v.version), migrationVersions("sqlite"));
    } finally {
      raw.close();
    }
    await assert.rejects(
      db.transaction((tx) => tx.run("INSERT INTO owner_tokens (id, user_id, token_hash, kind, created_at) VALUES ('t', 'nobody', 'h', 'pat', 0)")),
      /FOREIGN KEY/,
    );
  });

  it("rolls back only the failing transaction when several share one commit", async () => {
    const before = await count();
    const results = await Promise.allSettled([
      insertUser("u-a"),
      db.transaction(async (tx) => {
        await tx.run("INSERT INTO users (id, name, kind, created_at) VALUES ('u-b', 'b', 'user', 0)");
        throw new Error("changed my mind");
      }),
      insertUser("u-c"),
      insertUser("u-a"), // duplicate of the first
    ]);
    assert.deepEqual(results.map((r) => r.status), ["fulfilled", "rejected", "fulfilled", "rejected"]);
    assert.ok((results[3] as PromiseRejectedResult).reason instanceof UniqueViolation);
    assert.equal(await count(), before + 2);
    assert.equal(await db.get("SELECT id FROM users WHERE id = 'u-b'"), undefined);
  });

  it("runs a batch again when one of it fails after writing: the others land once, with their last call's result", async () => {
    const calls = { early: 0, late: 0 };
    const early = db.transaction(async (tx) => {
      calls.early++;
      await tx.run("INSERT INTO users (id, name, kind, created_at) VALUES (?, 'early', 'user', 0)", [`u-early-${calls.early}`]);
      return calls.early;
    });
    const failing = db.transaction(async (tx) => {
      await tx.run("INSERT INTO users (id, name, kind, created_at) VALUES ('u-half', 'half', 'user', 0)");
      throw new Error("half done");
    });
    const late = db.transaction(async (tx) => {
      calls.late++;
      await tx.run("INSERT INTO users (id, name, kind, created_at) VALUES ('u-late', 'late', 'user', 0)");
    });
    const [e, f, l] = await Promise.allSettled([early, failing, late]);
    assert.equal(e.status === "fulfilled" && e.value, 2, "the first call's writes were undone with the batch; its second call counts");
    assert.match(String(f.status === "rejected" && f.reason), /half done/);
    assert.equal(l.status, "fulfilled");
    assert.deepEqual(calls, { early: 2, late: 1 });
    assert.deepEqual(await db.all("SELECT id FROM users WHERE name IN ('early', 'half', 'late') ORDER BY id"), [{ id: "u-early-2" }, { id: "u-late" }]);
  });

  it("undoes a write that came back through get (… RETURNING) when its transaction then fails", async () => {
    await insertUser("u-returning");
    const [kept, failing] = await Promise.allSettled([
      insertUser("u-beside"),
      db.transaction(async (tx) => {
        const row = await tx.get<{ name: string }>("UPDATE users SET name = 'renamed' WHERE id = 'u-returning' RETURNING name");
        assert.deepEqual(row, { name: "renamed" });
        throw new Error("failed after a write that returned rows");
      }),
    ]);
    assert.equal(kept.status, "fulfilled");
    assert.equal(failing.status, "rejected");
    assert.deepEqual(await db.get("SELECT name FROM users WHERE id = 'u-returning'"), { name: "u-returning" });
    assert.deepEqual(await db.get("SELECT id FROM users WHERE id = 'u-beside'"), { id: "u-beside" });
  });

  it("runs nobody again when a transaction fails before writing", async () => {
    let calls = 0;
    const results = await Promise.allSettled([
      db.transaction(async (tx) => {
        calls++;
        await tx.run("INSERT INTO users (id, name, kind, created_at) VALUES ('u-once', 'once', 'user', 0)");
      }),
      db.transaction(async (tx) => {
        await tx.get("SELECT 1");
        throw new Error("refused up front");
      }),
      insertUser("u-once"), // its only write fails: SQLite undoes the statement itself
    ]);
    assert.deepEqual(results.map((r) => r.status), ["fulfilled", "rejected", "rejected"]);
    assert.equal(calls, 1);
    assert.deepEqual(await db.get("SELECT name FROM users WHERE id = 'u-once'"), { name: "once" });
  });

  it("never lets a read see a transaction's uncommitted writes", async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const writing = db.transaction(async (tx) => {
      await tx.run("INSERT INTO users (id, name, kind, created_at) VALUES ('u-slow', 'slow', 'user', 0)");
      await gate;
      throw new Error("rolled back");
    });
    // Issued while the row exists only inside the open transaction, which then rolls back:
    // a dirty read would return it.
    const reading = db.get("SELECT id FROM users WHERE id = 'u-slow'");
    release();
    await assert.rejects(writing, /rolled back/);
    assert.equal(await reading, undefined);
  });

  it("answers reads from committed data while a transaction is still open", async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let inserted!: () => void;
    const insertedYet = new Promise<void>((resolve) => (inserted = resolve));
    const writing = db.transaction(async (tx) => {
      await tx.run("INSERT INTO users (id, name, kind, created_at) VALUES ('u-open', 'open', 'user', 0)");
      inserted();
      await gate;
    });
    await insertedYet;
    // The transaction is open and holds the row: the read neither waits for it nor sees it.
    assert.equal(await db.get("SELECT id FROM users WHERE id = 'u-open'"), undefined);
    release();
    await writing;
    assert.deepEqual(await db.get("SELECT id FROM users WHERE id = 'u-open'"), { id: "u-open" });
  });

  it("keeps the WAL bounded under steady writes, checkpointing off the event loop, and loses nothing", async () => {
    const file = join(dir, "busy.sqlite");
    // A 4 KiB name fills about one page: each transaction adds at least one WAL frame.
    const limit = 250;
    // No backstop: whatever bounds the WAL here is the background checkpoint.
    const busy = new SqliteDatabase(file, { walLimitFrames: limit, checkpointIntervalMs: 0, backgroundCheckpointAt: 0, backstopFrames: 0 });
    await busy.ready();
    const name = "x".repeat(4000);
    const rows = 20 * limit;
    let largestWal = 0;
    for (let i = 0; i < rows; i += 10) {
      // Ten at a time, so they share commits as concurrent requests do.
      await Promise.all(Array.from({ length: 10 }, (_, j) =>
        busy.transaction((tx) => tx.run("INSERT INTO users (id, name, kind, created_at) VALUES (?, ?, 'user', 0)", [`w-${i + j}`, name]))));
      largestWal = Math.max(largestWal, statSync(`${file}-wal`).size);
    }
    await busy.close();
    // Unchecked, the WAL would hold all 20 × limit frames. The size is read after every commit, so
    // it stops at the limit plus what one commit adds, however starved the checkpoint thread is.
    const frame = 4096 + 24;
    assert.ok(largestWal < 2 * limit * frame, `the WAL reached ${Math.round(largestWal / frame)} frames (limit ${limit})`);
    const reopened = new SqliteDatabase(file);
    try {
      assert.equal((await reopened.get<{ n: number }>("SELECT COUNT(*) AS n FROM users WHERE id LIKE 'w-%'"))!.n, rows);
    } finally {
      await reopened.close();
    }
  });

  it("keeps the WAL bounded when writes chain through promises alone and nothing waits for a turn", async () => {
    const file = join(dir, "chained.sqlite");
    const limit = 250;
    // As the writer thread runs it: no gathering, so only the adapter itself can give the loop a turn.
    const chained = new SqliteDatabase(file, { walLimitFrames: limit, checkpointIntervalMs: 0, backgroundCheckpointAt: 0, backstopFrames: 0, gather: false, maxBatch: 16 });
    await chained.ready();
    const name = "x".repeat(4000);
    const perLoop = 6 * limit;
    let largestWal = 0;
    await Promise.all(Array.from({ length: 10 }, async (_, loop) => {
      for (let i = 0; i < perLoop; i++) {
        await chained.transaction((tx) => tx.run("INSERT INTO users (id, name, kind, created_at) VALUES (?, ?, 'user', 0)", [`c-${loop}-${i}`, name]));
        if (i % 50 === 0) largestWal = Math.max(largestWal, statSync(`${file}-wal`).size);
      }
    }));
    await chained.close();
    const frame = 4096 + 24;
    assert.ok(largestWal < 2 * limit * frame, `the WAL reached ${Math.round(largestWal / frame)} frames (limit ${limit}; ${10 * perLoop} rows of a page each written)`);
  });

  it("moves a version-1 database's activity into the append-only table, feeds intact and read by index", async () => {
    const file = join(dir, "v1.sqlite");
    const raw = new BetterSqlite3(file);
    raw.exec(readFileSync(new URL("../../src/hub/db/migrations/sqlite/0001_init.sql", import.meta.url), "utf8"));
    raw.exec(`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL);
      INSERT INTO schema_migrations VALUES (1, '0001_init.sql', 0);
      INSERT INTO users VALUES ('u1', 'Ada', 'user', 0), ('u2', 'Bot', 'agent', 0);
      INSERT INTO agents (id, user_id, creator_id, name, created_at) VALUES ('a1', 'u2', 'u1', 'Bot', 0);
      INSERT INTO workspaces VALUES ('w1', 'W', 'u1', 0);
      INSERT INTO projects VALUES ('p1', 'w1', 'General', '', 0);
      INSERT INTO tasks (id, workspace_id, project_id, title, status, creator_id, owner_id, created_at, updated_at)
        VALUES ('t1', 'w1', 'p1', 'One', 'todo', 'u1', 'u1', 0, 0), ('t2', 'w1', 'p1', 'Two', 'todo', 'u1', 'u1', 0, 0);
      INSERT INTO runs (id, task_id, agent_id, owner_id, status, prompt, created_at) VALUES
        ('run_1', 't1', 'a1', 'u1', 'RUNNING', 'go', 1), ('run_2', 't2', 'a1', 'u1', 'RUNNING', 'go', 1);
      INSERT INTO activity (id, task_id, run_id, type, author_id, body, created_at) VALUES
        ('act_3', 't1', NULL, 'comment', 'u1', 'third', 3), ('act_1', 't1', NULL, 'comment', 'u1', 'first', 1),
        ('act_2', 't2', 'run_2', 'comment', 'u2', 'other task', 2), ('act_2b', 't1', 'run_1', 'comment', 'u2', 'second', 2),
        ('act_4', 't1', 'run_1', 'comment', 'u2', 'fourth', 4);`);
    raw.close();
    const migrated = new SqliteDatabase(file);
    try {
      const feed = await listActivity(migrated, "t1");
      assert.deepEqual(feed.map((a) => [a.body, a.runId, a.author.name]), [
        ["first", null, "Ada"], ["second", "run_1", "Bot"], ["third", null, "Ada"], ["fourth", "run_1", "Bot"],
      ]);
      assert.deepEqual((await listActivity(migrated, "t2")).map((a) => a.body), ["other task"]);
      // Both halves of the feed are read through their indexes, never by scanning the table.
      const plan = (await migrated.all<{ detail: string }>(`EXPLAIN QUERY PLAN ${FEED_SQL}`, ["t1", "t1"])).map((p) => p.detail).join(" | ");
      assert.match(plan, /SEARCH a USING INDEX activity_run/);
      assert.match(plan, /SEARCH a USING INDEX activity_task/);
      assert.doesNotMatch(plan, /SCAN a\b/);
      // An activity id is taken once, inside a run and outside any.
      for (const duplicate of [["act_1", "NULL"], ["act_2b", "'run_1'"]]) {
        await assert.rejects(
          migrated.transaction((tx) => tx.run(`INSERT INTO activity (id, task_id, run_id, type, author_id, body, created_at) VALUES ('${duplicate[0]}', 't1', ${duplicate[1]}, 'comment', 'u1', 'dup', 9)`)),
          UniqueViolation,
        );
      }
    } finally {
      await migrated.close();
    }
  });

  it("gives a version-15 database's uploads the references its tasks' images, descriptions, feeds and prompts hold (to their own workspace's uploads only), and each workspace its bytes", async () => {
    const file = join(dir, "v15.sqlite");
    const raw = databaseAt(file, 15, false);
    for (const [sql, params] of BEFORE) raw.prepare(sql).run(...params);
    raw.close();
    const from = Date.now();
    const migrated = new SqliteDatabase(file);
    const to = Date.now();
    try {
      await assertBackfilled(migrated, from, to);
    } finally {
      await migrated.close();
    }
  });

  it("gives a version-4 database's tasks the cost total of the turn that ended last", async () => {
    const file = join(dir, "v4.sqlite");
    const raw = databaseAt(file, 4);
    raw.exec(`INSERT INTO tasks (id, workspace_id, project_id, title, status, creator_id, owner_id, created_at, updated_at)
        VALUES ('t1', 'w1', 'p1', 'One', 'doing', 'u1', 'u1', 0, 0), ('t2', 'w1', 'p1', 'Two', 'todo', 'u1', 'u1', 0, 0);
      INSERT INTO runs (id, task_id, agent_id, owner_id, status, prompt, created_at, ended_at, total_cost_usd) VALUES
        ('run_1', 't1', 'a1', 'u1', 'FINISHED', 'go', 1, 30, 3), ('run_2', 't1', 'a1', 'u1', 'FINISHED', 'go', 2, 20, 1),
        ('run_3', 't1', 'a1', 'u1', 'RUNNING', 'go', 3, NULL, NULL), ('run_4', 't2', 'a1', 'u1', 'RUNNING', 'go', 4, NULL, NULL);`);
    raw.close();
    const migrated = new SqliteDatabase(file);
    try {
      // run_1 ended after run_2: its total is the one the next turn builds on.
      assert.equal((await findRunEnding(migrated, "run_3"))?.previous_total_cost_usd, 3);
      assert.equal((await findRunEnding(migrated, "run_4"))?.previous_total_cost_usd, null);
    } finally {
      await migrated.close();
    }
  });

  it("keeps a version-8 database's feeds and notifications through 0009, and then deletes a task's rows by index", async () => {
    const file = join(dir, "v8.sqlite");
    const raw = databaseAt(file, 8);
    raw.exec(`INSERT INTO tasks (id, workspace_id, project_id, title, status, creator_id, owner_id, created_at, updated_at)
        VALUES ('t1', 'w1', 'p1', 'One', 'done', 'u1', 'u1', 0, 0), ('t2', 'w1', 'p1', 'Two', 'done', 'u1', 'u1', 0, 0);
      INSERT INTO runs (id, task_id, agent_id, owner_id, status, prompt, follows_run_id, created_at) VALUES
        ('run_1', 't1', 'a1', 'u1', 'FINISHED', 'go', NULL, 1), ('run_2', 't1', 'a1', 'u1', 'FINISHED', 'more', 'run_1', 2),
        ('run_3', 't2', 'a1', 'u1', 'FINISHED', 'go', NULL, 3);
      INSERT INTO activity (id, task_id, run_id, type, author_id, body, created_at) VALUES
        ('act_1', 't1', NULL, 'comment', 'u1', 'first', 1), ('act_2', 't1', 'run_1', 'comment', 'u2', 'second', 2),
        ('act_3', 't2', 'run_3', 'comment', 'u2', 'other task', 3), ('act_4', 't1', 'run_2', 'comment', 'u2', 'fourth', 4);
      INSERT INTO notifications (id, user_id, type, task_id, run_id, actor_id, body, created_at) VALUES
        ('n_1', 'u1', 'run_comment', 't1', 'run_1', 'u2', 'second', 2), ('n_2', 'u1', 'mention', 't1', NULL, 'u1', 'first', 1),
        ('n_3', 'u1', 'run_comment', 't2', 'run_3', 'u2', 'other task', 3);`);
    raw.close();
    const migrated = new SqliteDatabase(file);
    try {
      assert.deepEqual((await listActivity(migrated, "t1")).map((a) => a.body), ["first", "second", "fourth"]);
      assert.deepEqual((await migrated.all<{ id: string }>("SELECT id FROM notifications ORDER BY id")).map((n) => n.id), ["n_1", "n_2", "n_3"]);
      // Each statement of a task's deletion finds its rows through an index, never by scanning a table.
      const statements: string[] = [];
      await migrated.transaction(async (tx) => {
        const recording = { ...tx, run: (sql: string, params?: readonly SqlValue[]) => (statements.push(sql), tx.run(sql, params)) };
        await deleteTasks(recording, { taskId: "t1" });
      });
      assert.equal(statements.length, 5);
      for (const sql of statements) {
        const plan = (await migrated.all<{ detail: string }>(`EXPLAIN QUERY PLAN ${sql}`, ["t1"])).map((p) => p.detail).join(" | ");
        assert.doesNotMatch(plan, /\bSCAN\b/, `${sql}: ${plan}`);
      }
      // t1 is gone with its feed, runs (a follow-up among them) and notifications; t2 is whole.
      const left = async (table: string) => (await migrated.all<{ id: string }>(`SELECT id FROM ${table} ORDER BY id`)).map((r) => r.id);
      assert.deepEqual(await left("tasks"), ["t2"]);
      assert.deepEqual(await left("runs"), ["run_3"]);
      assert.deepEqual(await left("activity"), ["act_3"]);
      assert.deepEqual(await left("notifications"), ["n_3"]);
    } finally {
      await migrated.close();
    }
  });

  it("indexes the tasks of a database from before search (version 8) for search, and keeps the index in step with every write to tasks", async () => {
    const file = join(dir, "v8-search.sqlite");
    const raw = databaseAt(file, 8);
    raw.exec(`INSERT INTO workspace_members VALUES ('w1', 'u1', 0);
      INSERT INTO projects VALUES ('p2', 'w1', 'Other', '', 0);
      INSERT INTO tasks (id, workspace_id, project_id, title, description, status, creator_id, owner_id, created_at, updated_at)
        VALUES ('t1', 'w1', 'p1', 'Fix the login page', '', 'todo', 'u1', 'u1', 0, 0);`);
    raw.close();
    const db = new SqliteDatabase(file);
    try {
      const found = async (q: string) => (await listTasksForUser(db, { userId: "u1", search: q, limit: 10 })).map((t) => t.id);
      assert.deepEqual(await found("LOGIN"), ["t1"]);
      const write = (sql: string) => db.transaction((tx) => tx.run(sql));
      await write(`INSERT INTO tasks (id, workspace_id, project_id, title, description, status, creator_id, owner_id, created_at, updated_at)
        VALUES ('t2', 'w1', 'p2', 'Two', 'a login flow', 'todo', 'u1', 'u1', 0, 0)`);
      assert.deepEqual(await found("login"), ["t2", "t1"]);
      await write("UPDATE tasks SET title = 'Fix the sign-in page' WHERE id = 't1'");
      await write("UPDATE tasks SET status = 'done' WHERE id = 't2'");
      assert.deepEqual(await found("login"), ["t2"]);
      assert.deepEqual(await found("sign-in"), ["t1"]);
      await write("DELETE FROM projects WHERE id = 'p2'"); // its tasks go by ON DELETE CASCADE
      assert.deepEqual(await found("login"), []);
      // The index holds exactly what the tasks hold (this throws on any difference).
      await write("INSERT INTO tasks_search (tasks_search, rank) VALUES ('integrity-check', 1)");
    } finally {
      await db.close();
    }
  });

  it("names the tokens of a database from before API tokens (version 11) after what made them, and lists them", async () => {
    const file = join(dir, "v11.sqlite");
    const raw = databaseAt(file, 11);
    raw.exec(`INSERT INTO users VALUES ('u3', 'Cy', 'user', 1), ('u4', 'Di', 'user', 2);
      INSERT INTO owner_tokens (id, user_id, token_hash, kind, created_at, expires_at) VALUES
        ('tok_1', 'u1', 'h1', 'pat', 0, NULL), ('tok_2', 'u3', 'h2', 'pat', 1, NULL), ('tok_3', 'u1', 'h3', 'session', 2, 99);`);
    raw.close();
    const migrated = new SqliteDatabase(file);
    try {
      // u1, the first person, was made by hub init; u3 by hub user add; u4 (joined by invite) has no token.
      assert.deepEqual(await listApiTokens(migrated, "u1"), [{ id: "tok_1", name: "Created by hub init", prefix: "gcp_", created_at: 0, last_used_at: null, token_hash: "h1" }]);
      assert.deepEqual((await listApiTokens(migrated, "u3")).map((x) => x.name), ["Created by hub user add"]);
      assert.deepEqual(await listApiTokens(migrated, "u4"), []);
    } finally {
      await migrated.close();
    }
  });

  it("lists an agent's tasks of a version-11 database as before, done ones apart, and keeps them apart as tasks change status", async () => {
    const file = join(dir, "v11-lists.sqlite");
    const raw = databaseAt(file, 11);
    raw.exec(`INSERT INTO tasks (id, workspace_id, project_id, title, status, creator_id, owner_id, created_at, updated_at)
        VALUES ('t1', 'w1', 'p1', 'One', 'done', 'u1', 'u1', 0, 0), ('t2', 'w1', 'p1', 'Two', 'doing', 'u1', 'u1', 0, 0),
          ('t3', 'w1', 'p1', 'Three', 'todo', 'u1', 'u1', 0, 0);
      INSERT INTO runs (id, task_id, agent_id, owner_id, status, prompt, created_at) VALUES
        ('run_1', 't1', 'a1', 'u1', 'FINISHED', 'go', 1), ('run_2', 't1', 'a1', 'u1', 'FINISHED', 'more', 2),
        ('run_3', 't2', 'a1', 'u1', 'FINISHED', 'go', 3), ('run_4', 't3', 'a1', 'u1', 'PENDING', 'go', 4);
      INSERT INTO workspace_members (workspace_id, user_id, created_at) VALUES ('w1', 'u1', 0);`);
    raw.close();
    const migrated = new SqliteDatabase(file);
    try {
      const listed = async (includeCompleted: boolean) => (await listTasksForAgent(migrated, { agentId: "a1", creatorId: "u1", includeCompleted, limit: 10 })).map((t) => t.id);
      assert.deepEqual(await listed(false), ["t3", "t2"]);
      assert.deepEqual(await listed(true), ["t3", "t2", "t1"]);
      await migrated.transaction(async (tx) => {
        await tx.run("UPDATE tasks SET status = 'todo' WHERE id = 't1'");
        await tx.run("UPDATE tasks SET status = 'done' WHERE id = 't2'");
        await tx.run("UPDATE tasks SET status = 'doing' WHERE id = 't3'"); // neither to nor from done
      });
      assert.deepEqual(await listed(false), ["t3", "t1"]);
      assert.deepEqual(await listed(true), ["t3", "t2", "t1"]);
      const flags = await migrated.all<{ id: string; task_done: number }>("SELECT id, task_done FROM runs ORDER BY id");
      assert.deepEqual(flags.map((r) => [r.id, r.task_done]), [["run_1", 0], ["run_2", 0], ["run_3", 1], ["run_4", 0]]);
    } finally {
      await migrated.close();
    }
  });

  it("refuses work after close", async () => {
    const other = new SqliteDatabase(join(dir, "other.sqlite"));
    await other.close();
    await other.close();
    await assert.rejects(other.transaction(async () => 1), /closed/);
  });

  it("keeps no handle on a file that turns out not to be a database", () => {
    const file = join(dir, "not-a-db.sqlite");
    writeFileSync(file, "these are not the pages of an SQLite database ".repeat(200));
    const handlesOn = (path: string) => readdirSync("/proc/self/fd").filter((fd) => {
      try {
        return readlinkSync(`/proc/self/fd/${fd}`).startsWith(path);
      } catch {
        return false; // the directory's own fd, closed while listing
      }
    }).length;
    assert.throws(() => new SqliteDatabase(file), (error: { code?: string }) => error.code === "SQLITE_NOTADB");
    assert.equal(handlesOn(file), 0);
  });
});
