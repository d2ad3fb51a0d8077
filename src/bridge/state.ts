/**
 * The bridge's local state file (SQLite): what must survive a crash.
 * - `meta`: the bridge's stable `instanceId` (its claims' idempotency keys use it,
 *   so after a restart its own lost `start` is replayed as a success).
 * - `runs`: the runs this bridge is claiming or has claimed and not yet seen
 *   end, with the gateway boot and session their OpenClaw turn started on, and the body
 *   their claim was first sent with (a replay under the same key must send it again).
 * - `outbox`: lifecycle calls not yet acknowledged by the API (`Outbox` port).
 * - `offered_images`, `task_sessions`: the task images each task's OpenClaw session was given (`ImageLedger`),
 *   and that session's id and last turn. A task's rows go when it gets a new session, or when its session took no
 *   turn for `IMAGE_RETENTION_MS` (OpenClaw prunes a session idle for 30 days by default: its next is a new one).
 * - `forbidden_resumptions`: the sessions whose resumption by OpenClaw the bridge aborts (`ResumptionStore`), at most
 *   `MAX_FORBIDDEN_RESUMPTIONS`, each until its watch ends.
 * One function per operation; statements prepared once; writes are synchronous,
 * so an `enqueue` that returned survives a crash (WAL, synchronous=NORMAL). The layout
 * is versioned; a file from a newer bridge is refused, not rewritten.
 */
import { randomUUID } from "node:crypto";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { makeDir } from "../hub/make-dir.ts";
import type { Outbox, OutboxEntry, OutboxKind } from "../sdk/index.ts";
import type { ImageLedger } from "./executor.ts";
import type { ForbiddenResumption, ResumptionStore } from "./resumption-guard.ts";
import type { SentTurn, TurnStore } from "./turn.ts";

/**
 * The file's layout by version (`PRAGMA user_version`), each entry the step from
 * the one before. A file made before versions were kept (0, with its tables) is
 * version 1: that step only creates what is missing.
 */
const MIGRATIONS: readonly string[] = [`
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
  run_id TEXT PRIMARY KEY,
  phase TEXT NOT NULL CHECK (phase IN ('claiming', 'claimed')),
  boot_id TEXT,
  turn_started INTEGER NOT NULL DEFAULT 0,
  updated_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS outbox (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  run_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  payload TEXT NOT NULL,
  idempotency_key TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
`, `
-- The claim's body as first sent (JSON: the start comment, or null for none); NULL: not known (an older bridge's claim).
ALTER TABLE runs ADD COLUMN start_body TEXT;
`, `
-- The images each task's OpenClaw session was given (its transcript keeps them: a later turn need not send them again).
CREATE TABLE offered_images (task_id TEXT NOT NULL, url TEXT NOT NULL, PRIMARY KEY (task_id, url)) WITHOUT ROWID;
`, `
-- The OpenClaw session a run's turn went to: a turn left running is aborted from here, even when the run (its
-- task deleted) can no longer be read from the API. NULL: an older bridge's turn (the run is read for it).
ALTER TABLE runs ADD COLUMN session_key TEXT;
`, `
-- The OpenClaw session (by id: a new one under the task's key gets another) a task's offered images went to, and
-- when it last took a turn. NULL id: not known (an older gateway, or images offered by an older bridge).
CREATE TABLE task_sessions (task_id TEXT PRIMARY KEY, session_id TEXT, used_at INTEGER NOT NULL) WITHOUT ROWID;
CREATE INDEX task_sessions_used_at ON task_sessions (used_at);
INSERT INTO task_sessions (task_id, session_id, used_at)
  SELECT DISTINCT task_id, NULL, CAST(strftime('%s', 'now') AS INTEGER) * 1000 FROM offered_images;
`, `
-- The sessions whose turn the bridge gave up on (ResumptionGuard), the gateway boot that turn ran on, and until when
-- OpenClaw's own resumption of it is aborted: a bridge restarted before the gateway's next boot still aborts it.
CREATE TABLE forbidden_resumptions (session_key TEXT PRIMARY KEY, boot_id TEXT, until INTEGER NOT NULL) WITHOUT ROWID;
`];

/** How long a task's offered images are remembered after its session's last turn. */
export const IMAGE_RETENTION_MS = 90 * 24 * 3_600_000;

/** The most sessions the state file keeps watched for a resumption: the oldest go first (one per run given up). */
export const MAX_FORBIDDEN_RESUMPTIONS = 1_000;

/** What stands in the way of starting (not a bug of ours): printed without a stack trace. */
export class BridgeStartError extends Error {
  override readonly name = "BridgeStartError";
}

export interface StoredRun {
  runId: string;
  phase: "claiming" | "claimed";
  bootId: string | null;
  turnStarted: boolean;
}

interface OutboxRow {
  id: string;
  run_id: string;
  kind: OutboxKind;
  payload: string;
  idempotency_key: string;
  created_at: number;
}

export class BridgeState implements Outbox, TurnStore, ImageLedger, ResumptionStore {
  readonly #db: Database.Database;
  readonly #now: () => number;
  readonly #q;

  constructor(file: string, options: { now?: () => number } = {}) {
    if (file !== ":memory:") makeDir(dirname(file), "the state file's directory", "--state", undefined, BridgeStartError);
    // No busy wait: a file another bridge holds is an answer, not a contention to sit out.
    this.#db = new Database(file, { timeout: 0 });
    try {
      // One bridge per state file (two would share an instance id, so each would be handed the other's claims
      // as its own): the lock is held while this one runs, and the OS drops it when its process ends, however.
      this.#db.pragma("locking_mode = EXCLUSIVE");
      this.#db.pragma("journal_mode = WAL");
      // NORMAL: a commit survives the process's crash (what the outbox is for); a power loss can lose the last
      // few. FULL would fsync every write: ~1.2 ms each here, five per run, which halved the claims a bridge keeps up with.
      this.#db.pragma("synchronous = NORMAL");
      this.#db.exec("BEGIN EXCLUSIVE");
      const version = this.#db.pragma("user_version", { simple: true }) as number;
      if (version > MIGRATIONS.length) {
        throw new BridgeStartError(`${file} was written by a newer bridge (state version ${version}; this one knows up to ${MIGRATIONS.length}). Run that version, or give this one its own --state.`);
      }
      for (const step of MIGRATIONS.slice(version)) this.#db.exec(step);
      this.#db.pragma(`user_version = ${MIGRATIONS.length}`);
      this.#db.exec("COMMIT");
    } catch (error) {
      this.#db.close();
      if ((error as { code?: string }).code === "SQLITE_BUSY") {
        throw new BridgeStartError(`Another bridge is using ${file}. Stop it first, or give this one its own --state (and --openclaw-state).`, { cause: error });
      }
      throw error;
    }
    this.#now = options.now ?? Date.now;
    const db = this.#db;
    this.#q = {
      meta: db.prepare<[string], { value: string }>("SELECT value FROM meta WHERE key = ?"),
      setMeta: db.prepare("INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)"),
      claiming: db.prepare("INSERT INTO runs (run_id, phase, updated_at) VALUES (?, 'claiming', ?) ON CONFLICT (run_id) DO NOTHING"),
      claimBody: db.prepare<[string, string, number], { start_body: string }>(
        "INSERT INTO runs (run_id, phase, start_body, updated_at) VALUES (?, 'claiming', ?, ?) ON CONFLICT (run_id) DO UPDATE SET start_body = coalesce(start_body, excluded.start_body) RETURNING start_body",
      ),
      claimed: db.prepare("UPDATE runs SET phase = 'claimed', updated_at = ? WHERE run_id = ?"),
      turnStarted: db.prepare("UPDATE runs SET turn_started = 1, boot_id = ?, session_key = ?, updated_at = ? WHERE run_id = ?"),
      run: db.prepare<[string], { run_id: string; phase: StoredRun["phase"]; boot_id: string | null; turn_started: number; session_key: string | null }>(
        "SELECT run_id, phase, boot_id, turn_started, session_key FROM runs WHERE run_id = ?",
      ),
      runs: db.prepare<[], { run_id: string; phase: StoredRun["phase"]; boot_id: string | null; turn_started: number }>("SELECT run_id, phase, boot_id, turn_started FROM runs ORDER BY updated_at"),
      forget: db.prepare("DELETE FROM runs WHERE run_id = ?"),
      enqueue: db.prepare("INSERT INTO outbox (id, run_id, kind, payload, idempotency_key, created_at) VALUES (?, ?, ?, ?, ?, ?)"),
      pending: db.prepare<[], OutboxRow>("SELECT id, run_id, kind, payload, idempotency_key, created_at FROM outbox ORDER BY seq"),
      ack: db.prepare("DELETE FROM outbox WHERE id = ?"),
      depth: db.prepare<[], { n: number }>("SELECT count(*) AS n FROM outbox"),
      finalFor: db.prepare<[string], { n: number }>("SELECT count(*) AS n FROM outbox WHERE run_id = ? AND kind IN ('complete', 'error')"),
      offered: db.prepare<[string], { url: string }>("SELECT url FROM offered_images WHERE task_id = ?"),
      offer: db.prepare("INSERT OR IGNORE INTO offered_images (task_id, url) VALUES (?, ?)"),
      session: db.prepare<[string], { session_id: string | null }>("SELECT session_id FROM task_sessions WHERE task_id = ?"),
      useSession: db.prepare(
        "INSERT INTO task_sessions (task_id, session_id, used_at) VALUES (?, ?, ?) ON CONFLICT (task_id) DO UPDATE SET session_id = coalesce(excluded.session_id, session_id), used_at = excluded.used_at",
      ),
      forgetImages: db.prepare("DELETE FROM offered_images WHERE task_id = ?"),
      staleSessions: db.prepare<[number], { task_id: string }>("SELECT task_id FROM task_sessions WHERE used_at < ?"),
      forgetSession: db.prepare("DELETE FROM task_sessions WHERE task_id = ?"),
      forbidden: db.prepare<[], { session_key: string; boot_id: string | null; until: number }>("SELECT session_key, boot_id, until FROM forbidden_resumptions ORDER BY until"),
      forbid: db.prepare(
        "INSERT INTO forbidden_resumptions (session_key, boot_id, until) VALUES (?, ?, ?) ON CONFLICT (session_key) DO UPDATE SET boot_id = excluded.boot_id, until = excluded.until",
      ),
      allow: db.prepare("DELETE FROM forbidden_resumptions WHERE session_key = ?"),
      expireForbidden: db.prepare("DELETE FROM forbidden_resumptions WHERE until < ?"),
      trimForbidden: db.prepare(
        "DELETE FROM forbidden_resumptions WHERE session_key NOT IN (SELECT session_key FROM forbidden_resumptions ORDER BY until DESC LIMIT ?)",
      ),
    };
  }

  /** This bridge's id, made once and kept. */
  instanceId(): string {
    this.#q.setMeta.run("instance_id", `bridge-${randomUUID()}`);
    return this.#q.meta.get("instance_id")!.value;
  }

  // --- runs -------------------------------------------------------------------

  /**
   * Noted before `start` is sent: a crash after the hub took it must not lose it. Returns the start comment to send:
   * the one this claim was first sent with, since the API refuses (422) a key it knows with another body, and
   * the comment can differ after a restart (another version's default, another setting).
   */
  claiming(runId: string, comment: string | undefined): string | undefined {
    const row = this.#q.claimBody.get(runId, JSON.stringify(comment ?? null), this.#now())!;
    return (JSON.parse(row.start_body) as string | null) ?? undefined;
  }

  claimed(runId: string): void {
    this.#q.claimed.run(this.#now(), runId);
  }

  /** The run ended (or was never ours). */
  forget(runId: string): void {
    this.#q.forget.run(runId);
  }

  runs(): StoredRun[] {
    return this.#q.runs.all().map((r) => ({ runId: r.run_id, phase: r.phase, bootId: r.boot_id, turnStarted: r.turn_started === 1 }));
  }

  turnOf(runId: string): SentTurn | null {
    const row = this.#q.run.get(runId);
    return row?.turn_started ? { bootId: row.boot_id, sessionKey: row.session_key } : null;
  }

  turnStarted(runId: string, bootId: string | null, sessionKey: string): void {
    // A run adopted after a restart may have no row yet (its claim was replayed): make one.
    this.#q.claiming.run(runId, this.#now());
    this.#q.turnStarted.run(bootId, sessionKey, this.#now(), runId);
  }

  /** True when the outbox still holds the run's final call: delivering it is all that is left. */
  hasFinalCall(runId: string): boolean {
    return this.#q.finalFor.get(runId)!.n > 0;
  }

  // --- images ----------------------------------------------------------------------

  offeredImages(taskId: string, sessionId: string | null): Set<string> {
    if (!this.#sameSession(taskId, sessionId)) return new Set();
    return new Set(this.#q.offered.all(taskId).map((r) => r.url));
  }

  /** Also the session's turn: the task's rows are kept `IMAGE_RETENTION_MS` from now, and older tasks' go. */
  imagesOffered(taskId: string, sessionId: string | null, urls: readonly string[]): void {
    const now = this.#now();
    this.#db.transaction(() => {
      for (const { task_id } of this.#q.staleSessions.all(now - IMAGE_RETENTION_MS)) this.#forgetSession(task_id);
      if (!this.#sameSession(taskId, sessionId)) this.#forgetSession(taskId);
      this.#q.useSession.run(taskId, sessionId, now);
      for (const url of urls) this.#q.offer.run(taskId, url);
    })();
  }

  /** True unless the task's images went to another session than `sessionId` (either unknown: the same is assumed). */
  #sameSession(taskId: string, sessionId: string | null): boolean {
    const known = this.#q.session.get(taskId)?.session_id ?? null;
    return sessionId === null || known === null || known === sessionId;
  }

  #forgetSession(taskId: string): void {
    this.#q.forgetImages.run(taskId);
    this.#q.forgetSession.run(taskId);
  }

  // --- resumptions (ResumptionGuard's port) -----------------------------------------

  /** The sessions still watched; those whose watch ended go. */
  forbiddenResumptions(): ForbiddenResumption[] {
    this.#q.expireForbidden.run(this.#now());
    return this.#q.forbidden.all().map((r) => ({ sessionKey: r.session_key, bootId: r.boot_id, until: r.until }));
  }

  resumptionForbidden(entry: ForbiddenResumption): void {
    this.#db.transaction(() => {
      this.#q.forbid.run(entry.sessionKey, entry.bootId, entry.until);
      this.#q.trimForbidden.run(MAX_FORBIDDEN_RESUMPTIONS);
    })();
  }

  resumptionAllowed(sessionKey: string): void {
    this.#q.allow.run(sessionKey);
  }

  // --- outbox (the SDK's port) ---------------------------------------------------

  async enqueue(entry: OutboxEntry): Promise<void> {
    this.#q.enqueue.run(entry.id, entry.runId, entry.kind, JSON.stringify(entry.payload), entry.idempotencyKey, entry.createdAt);
  }

  async pending(): Promise<OutboxEntry[]> {
    return this.#q.pending.all().map((r) => ({
      id: r.id, runId: r.run_id, kind: r.kind, payload: JSON.parse(r.payload), idempotencyKey: r.idempotency_key, createdAt: r.created_at,
    }));
  }

  async ack(id: string): Promise<void> {
    this.#q.ack.run(id);
  }

  get outboxDepth(): number {
    return this.#q.depth.get()!.n;
  }

  close(): void {
    if (this.#db.open) this.#db.close();
  }
}
