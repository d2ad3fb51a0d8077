/**
 * A backup of a hub's data dir, taken while the hub serves or not: the SQLite
 * file through SQLite's online backup (a consistent snapshot of the last commit,
 * whatever is written meanwhile), and credentials.json, which holds the only copy
 * of the tokens. The result is a data dir itself: `hub --data DEST` serves it.
 */
import BetterSqlite3 from "better-sqlite3";
import { chmodSync, copyFileSync, existsSync, readdirSync, renameSync, rmSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import type { HubConfig } from "./config.ts";
import { HubStartError } from "./errors.ts";
import { makeDir } from "./make-dir.ts";
import { credentialsFile, readCredentials } from "./setup.ts";

export interface Backup {
  /** The new data dir. */
  readonly dir: string;
  readonly databaseBytes: number;
}

/** The database file's name in a data dir (as the hub names it). */
const DATABASE = "hub.sqlite";

export async function backUp(config: HubConfig, destination: string): Promise<Backup> {
  if (config.database.kind !== "sqlite") {
    throw new HubStartError(
      `This hub's data is in PostgreSQL (${config.database.display}): back it up with pg_dump, and keep a copy of ${credentialsFile(config.dataDir)}.`,
    );
  }
  const source = config.database.file;
  if (!existsSync(source) || readCredentials(config.dataDir) === null) {
    throw new HubStartError(`${config.dataDir} is not a set-up hub data dir (no ${DATABASE} and credentials.json): nothing to back up.`);
  }
  const dir = resolve(destination);
  if (dir === resolve(config.dataDir)) throw new HubStartError("The backup must go to another directory than the data dir.");
  if (existsSync(dir) && (!statSync(dir).isDirectory() || readdirSync(dir).length > 0)) {
    throw new HubStartError(`${dir} already exists and is not an empty directory: back up to a new one.`);
  }
  makeDir(dir, "the backup", "--out", 0o700);
  const target = join(dir, DATABASE);
  const partial = `${target}.partial`;
  try {
    const db = new BetterSqlite3(source, { readonly: true, fileMustExist: true });
    try {
      db.pragma("busy_timeout = 5000");
      // Copies page by page; a write meanwhile restarts the copy from this connection's snapshot.
      await db.backup(partial);
    } finally {
      db.close();
    }
    renameSync(partial, target);
    verify(target);
    copyFileSync(credentialsFile(config.dataDir), credentialsFile(dir));
    chmodSync(credentialsFile(dir), 0o600);
    return { dir, databaseBytes: statSync(target).size };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

/** The copy must be whole: SQLite checks every page and index of it. */
function verify(file: string): void {
  const db = new BetterSqlite3(file, { fileMustExist: true });
  try {
    const result = db.pragma("integrity_check", { simple: true });
    if (result !== "ok") throw new HubStartError(`The backup failed SQLite's integrity check (${String(result)}); nothing was kept.`);
  } finally {
    db.close();
  }
}
