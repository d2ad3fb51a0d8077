import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import BetterSqlite3 from "better-sqlite3";
import { UniqueViolation } from "../../src/hub/db/port.ts";
import { SqliteDatabase } from "../../src/hub/db/sqlite.ts";

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

  it("applies the numbered migrations once, with WAL and foreign keys on", async () => {
    const raw = new BetterSqlite3(join(dir, "hub.sqlite"), { readonly: true });
    try {
      assert.equal(raw.pragma("journal_mode", { simple: true }), "wal");
      const versions = raw.prepare("SELECT version FROM schema_migrations ORDER BY version").all() as { version: number }[];
      assert.deepEqual(versions.map((v) => v.version), [1]);
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

  it("refuses work after close", async () => {
    const other = new SqliteDatabase(join(dir, "other.sqlite"));
    await other.close();
    await other.close();
    await assert.rejects(other.transaction(async () => 1), /closed/);
  });
});
