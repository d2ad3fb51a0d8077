import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { migrationVersions } from "../support/migrations.ts";
import pg from "pg";
import { emptyChangeSet, encodeChanges, type ChangeSet, ChangeFeed } from "../../src/hub/changes.ts";
import { resolveHubConfig } from "../../src/hub/config.ts";
import { DatabaseUnavailable, InvalidText, UniqueViolation } from "../../src/hub/db/port.ts";
import { PostgresDatabase } from "../../src/hub/db/postgres.ts";
import { PostgresRelay, split } from "../../src/hub/db/postgres-relay.ts";
import { HubStartError } from "../../src/hub/errors.ts";
import { createHub } from "../../src/hub/hub.ts";
import { dropTestSchema, TEST_POSTGRES_URL, testSchema } from "../support/hub.ts";
import { tempDir } from "../support/temp.ts";
import { eventually } from "../realtime/support.ts";
import { assertBackfilled, BEFORE } from "../support/upload-backfill.ts";
import { readdirSync, readFileSync } from "node:fs";

describe("the PostgreSQL adapter", () => {
  const schema = testSchema();
  let db: PostgresDatabase;
  before(async () => (db = await PostgresDatabase.open(TEST_POSTGRES_URL, { schema })));
  after(async () => {
    await db.close();
    await dropTestSchema(schema);
  });

  it("runs transactions side by side, and a row locked before it is read holds against the others", async () => {
    await db.run("INSERT INTO users (id, name, kind, created_at) VALUES ('usr_l', 'L', 'user', 0)");
    await db.run("INSERT INTO workspaces (id, name, created_by, created_at) VALUES ('ws_l', 'W', 'usr_l', 0)");
    await db.run("INSERT INTO projects (id, workspace_id, name, created_at) VALUES ('prj_l', 'ws_l', 'P', 0)");
    await db.run(`INSERT INTO tasks (id, workspace_id, project_id, title, status, creator_id, owner_id, created_at, updated_at, cost_total_usd)
      VALUES ('task_l', 'ws_l', 'prj_l', 'T', 'todo', 'usr_l', 'usr_l', 0, 0, 0)`);
    const add = (locked: boolean) => Promise.all(Array.from({ length: 16 }, () => db.transaction(async (tx) => {
      if (locked) assert.equal(await tx.lock("tasks", "task_l"), true);
      const row = await tx.get<{ cost_total_usd: number }>("SELECT cost_total_usd FROM tasks WHERE id = 'task_l'");
      await new Promise((resolve) => setTimeout(resolve, 2)); // let the others read the same value
      await tx.run("UPDATE tasks SET cost_total_usd = ? WHERE id = 'task_l'", [row!.cost_total_usd + 1]);
    })));
    const total = async () => (await db.get<{ cost_total_usd: number }>("SELECT cost_total_usd FROM tasks WHERE id = 'task_l'"))!.cost_total_usd;
    await add(true);
    assert.equal(await total(), 16);
    // Unlocked, they overlap (so they do run side by side) and lose updates: what the lock is for.
    await add(false);
    assert.ok((await total()) < 32, `unlocked read-then-write kept every update (${await total()})`);
  });

  it("reports a duplicate as a UniqueViolation, and the transaction leaves nothing behind", async () => {
    await db.run("INSERT INTO settings (key, value) VALUES ('taken', 'x')");
    await assert.rejects(db.transaction(async (tx) => {
      await tx.run("INSERT INTO settings (key, value) VALUES ('written-first', 'y')");
      await tx.run("INSERT INTO settings (key, value) VALUES ('taken', 'z')");
    }), UniqueViolation);
    assert.equal(await db.get("SELECT value FROM settings WHERE key = 'written-first'"), undefined);
  });

  it("gives BIGINT times and counts back as numbers, as SQLite does", async () => {
    await db.run("INSERT INTO users (id, name, kind, created_at) VALUES ('usr_n', 'N', 'user', ?)", [1_764_000_000_123]);
    const row = await db.get<{ created_at: unknown; n: unknown }>("SELECT created_at, (SELECT count(*) FROM users WHERE id = 'usr_n') AS n FROM users WHERE id = 'usr_n'");
    assert.deepEqual(row, { created_at: 1_764_000_000_123, n: 1 });
  });

  it("refuses text with a NUL character as InvalidText (PostgreSQL cannot store it)", async () => {
    await assert.rejects(db.run("INSERT INTO settings (key, value) VALUES ('nul', ?)", ["a\u0000b"]), InvalidText);
    await assert.rejects(db.transaction((tx) => tx.run("INSERT INTO settings (key, value) VALUES ('nul', ?)", ["a\u0000b"])), InvalidText);
  });

  it("leaves a ? inside quoted text alone", async () => {
    assert.deepEqual(await db.get("SELECT '?' AS q, ? AS p", ["x"]), { q: "?", p: "x" });
  });

  it("applies each migration once when several hubs start on a new database at the same moment", async () => {
    const fresh = testSchema();
    try {
      const opened = await Promise.all([1, 2, 3].map(() => PostgresDatabase.open(TEST_POSTGRES_URL, { schema: fresh })));
      const versions = await opened[0]!.all<{ version: number }>("SELECT version FROM schema_migrations ORDER BY version");
      assert.deepEqual(versions.map((v) => v.version), migrationVersions("postgres"));
      await Promise.all(opened.map((o) => o.close()));
    } finally {
      await dropTestSchema(fresh);
    }
  });
});

describe("the PostgreSQL migrations", () => {
  it("give a version-11 database's uploads the references its tasks' images, descriptions, feeds and prompts hold (to their own workspace's uploads only), and each workspace its bytes", async () => {
    const schema = testSchema();
    const client = new pg.Client({ connectionString: TEST_POSTGRES_URL });
    await client.connect();
    try {
      await client.query(`CREATE SCHEMA ${schema}; SET search_path = ${schema}`);
      await client.query("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)");
      const dir = new URL("../../src/hub/db/migrations/postgres/", import.meta.url);
      for (const name of readdirSync(dir).filter((f) => /^\d{4}_.*\.sql$/.test(f) && Number(f.slice(0, 4)) <= 11).sort()) {
        await client.query(readFileSync(new URL(name, dir), "utf8"));
        await client.query("INSERT INTO schema_migrations VALUES ($1, $2, 0)", [Number(name.slice(0, 4)), name]);
      }
      for (const [sql, params] of BEFORE) {
        let n = 0;
        await client.query(sql.replace(/\?/g, () => `$${++n}`), params);
      }
      const from = Date.now();
      const migrated = await PostgresDatabase.open(TEST_POSTGRES_URL, { schema });
      const to = Date.now();
      try {
        await assertBackfilled(migrated, from, to);
      } finally {
        await migrated.close();
      }
    } finally {
      await client.end();
      await dropTestSchema(schema);
    }
  });
});

describe("a hub on a PostgreSQL it cannot reach", () => {
  it("does not start, and says where it looked without showing the password", async () => {
    const config = resolveHubConfig({ data: tempDir("gc-pg-down-"), logLevel: "silent", database: "postgres://gc:s3cret@127.0.0.1:1/test" }, {});
    const error = await createHub(config).then(() => null, (e: unknown) => e);
    assert.ok(error instanceof HubStartError, String(error));
    assert.match(error.message, /Cannot reach PostgreSQL at postgres:\/\/gc:\*\*\*@127\.0\.0\.1:1\/test/);
    assert.doesNotMatch(error.message, /s3cret/);
    assert.ok(error.cause instanceof DatabaseUnavailable);
  });
});

describe("the change relay between hubs", () => {
  const schema = testSchema();
  let db: PostgresDatabase;
  const feeds = [new ChangeFeed(), new ChangeFeed()];
  const heard: ChangeSet[][] = [[], []];
  let relays: PostgresRelay[] = [];
  before(async () => {
    db = await PostgresDatabase.open(TEST_POSTGRES_URL, { schema });
    feeds.forEach((feed, i) => feed.subscribe((changes) => heard[i]!.push(changes)));
    relays = await Promise.all(feeds.map((feed) => PostgresRelay.start(TEST_POSTGRES_URL, { schema, feed })));
  });
  after(async () => {
    await Promise.all(relays.map((r) => r.close()));
    await db.close();
    await dropTestSchema(schema);
  });
  const change = (...tasks: string[]) => ({ ...emptyChangeSet(), tasks: new Set(tasks) });

  it("delivers a committed change to the other hubs only, and a rolled-back one to nobody", async () => {
    await db.transaction((tx) => relays[0]!.announce(tx, change("task_a")));
    await assert.rejects(db.transaction(async (tx) => {
      await relays[0]!.announce(tx, change("task_rolled_back"));
      throw new Error("changed my mind");
    }));
    await db.transaction((tx) => relays[1]!.announce(tx, change("task_b")));
    await eventually(() => heard[0]!.length === 1 && heard[1]!.length === 1, "both changes");
    assert.deepEqual([...heard[1]![0]!.tasks], ["task_a"]);
    assert.deepEqual([...heard[0]![0]!.tasks], ["task_b"]);
  });

  it("takes everything as changed once it hears again after losing its connection", async () => {
    heard[1]!.length = 0;
    const admin = new pg.Client({ connectionString: TEST_POSTGRES_URL });
    await admin.connect();
    try {
      const { rowCount } = await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1", [`openclaw-groupchat hub changes ${relays[1]!.origin}`]);
      assert.equal(rowCount, 1);
    } finally {
      await admin.end();
    }
    // Announced while the second hub cannot hear: only "everything changed" covers it.
    await db.transaction((tx) => relays[0]!.announce(tx, change("task_missed")));
    await eventually(() => heard[1]!.some((c) => c.everything === true), "the relay to report that anything may have changed");
    await db.transaction((tx) => relays[0]!.announce(tx, change("task_after")));
    await eventually(() => heard[1]!.some((c) => c.tasks.has("task_after")), "a change after the reconnect");
  });

  it("splits a change set too big for one notification, losing no id", () => {
    const big = { ...emptyChangeSet(), agents: new Set(Array.from({ length: 1500 }, (_, i) => `agt_${String(i).padStart(22, "0")}`)), tasks: new Set(["task_1"]) };
    const parts = split(big);
    assert.ok(parts.length > 1);
    for (const part of parts) assert.ok(encodeChanges(part).length < 8000);
    assert.deepEqual(new Set(parts.flatMap((p) => [...p.agents])), big.agents);
    assert.deepEqual(new Set(parts.flatMap((p) => [...p.tasks])), big.tasks);
  });
});
