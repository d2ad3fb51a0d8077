/**
 * A real hub for tests: its own temp data dir (so its own SQLite file, or its own
 * schema in the machine's PostgreSQL), listening on a free loopback port, closed
 * and removed by `close()`.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { resolveHubConfig, type WebhooksConfig } from "../../src/hub/config.ts";
import type { Database } from "../../src/hub/db/port.ts";
import { PostgresDatabase } from "../../src/hub/db/postgres.ts";
import { SqliteDatabase } from "../../src/hub/db/sqlite.ts";
import { createHub, type Hub } from "../../src/hub/hub.ts";
import type { PurgerOptions } from "../../src/hub/purger.ts";
import type { Credentials } from "../../src/hub/setup.ts";

export interface TestHub {
  hub: Hub;
  creds: Credentials;
  baseUrl: string;
  apiUrl: string;
  dataDir: string;
  /** Calls the agent API (`/api/v1/agent` + path) with a gca_ token (Basic auth by default). */
  agent(token: string, method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Res>;
  /**
   * A connection to the hub's database, for a test that must write what no API
   * writes: a second one to its SQLite file (the hub's own writes may run on its
   * writer thread), or the hub's own pool on PostgreSQL.
   */
  database(): Database;
  /** Which database it runs on. */
  readonly kind: TestDatabase;
  /** The `--database` it runs with (a second hub on the same data passes it too). */
  readonly databaseFlag: string;
  /** Calls the owner API (`/api/v1` + path) with a gcp_ token. */
  owner(token: string, method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Res>;
  close(): Promise<void>;
}

export interface Res {
  status: number;
  headers: Headers;
  // Tests inspect arbitrary JSON.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

export async function request(url: string, init: RequestInit): Promise<Res> {
  const response = await fetch(url, init);
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, headers: response.headers, body };
}

function init(method: string, auth: string, body: unknown, headers: Record<string, string>): RequestInit {
  const h: Record<string, string> = { authorization: auth, ...headers };
  if (body !== undefined) h["content-type"] ??= "application/json";
  return { method, headers: h, body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body) };
}

export type TestDatabase = "sqlite" | "postgres";

/** The machine's PostgreSQL (DEVELOPERS.md); each test hub gets a schema of its own in it. */
export const TEST_POSTGRES_URL = process.env.GROUPCHAT_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test";

/**
 * Where the hub's data and writes can be: suites that stress the write path run
 * on each (SQLite with writes on the HTTP thread or on a writer thread, PostgreSQL).
 */
export const BACKENDS = [
  { label: "SQLite, writes on the HTTP thread", options: { writer: "local", database: "sqlite" } },
  { label: "SQLite, writes on a writer thread", options: { writer: "thread", database: "sqlite" } },
  { label: "PostgreSQL", options: { writer: "local", database: "postgres" } },
] as const;

/** A schema name no other test hub (in this process or another) uses. */
export function testSchema(): string {
  return `gc_test_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
}

/** Drops a test hub's schema and everything in it. */
export async function dropTestSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await client.end();
  }
}

export async function startTestHub(
  options: {
    staleAfter?: string; clock?: () => number; maxPendingWrites?: number; writer?: "thread" | "local"; database?: TestDatabase;
    /** Where its PostgreSQL is, when not at TEST_POSTGRES_URL (e.g. through a proxy a test can cut). */
    postgresUrl?: string;
    /** `--metrics-port` (e.g. "0": a free port); metrics are off without it. */
    metricsPort?: string;
    /** The purger's batch size and how often it looks for work (a test drives it with `hub.purger`). */
    purge?: PurgerOptions;
    /** An existing data dir (and its `--database`), to start a hub again on what another left. */
    reuse?: { dataDir: string; databaseFlag: string };
    /** Every line the hub logs, at debug level (silent without it). */
    logLines?: string[];
    /** `--upload-grace` and `--upload-quota` (24h and 1GiB without them). */
    uploadGrace?: string;
    uploadQuota?: string;
    /** `--sync-max-connections` (10000 without it). */
    syncMaxConnections?: string;
    /** `--sync-max-connections-per-ip` (500 without it) and `-per-principal` (100 without it). */
    syncMaxConnectionsPerIp?: string;
    syncMaxConnectionsPerPrincipal?: string;
    /** `--trust-proxy` (off without it). */
    trustProxy?: string;
    /** `--public-url` (none without it: the hub's own address). */
    publicUrl?: string;
    /** Webhook delivery's waits (shorter retries, a quicker poll), over the defaults. */
    webhooks?: Partial<WebhooksConfig>;
  } = {},
): Promise<TestHub> {
  const reuse = options.reuse;
  const kind = reuse ? (reuse.databaseFlag === "sqlite" ? "sqlite" : "postgres")
    : options.database ?? (process.env.GROUPCHAT_TEST_DATABASE === "postgres" ? "postgres" : "sqlite");
  const dataDir = reuse?.dataDir ?? mkdtempSync(join(tmpdir(), "gc-hub-"));
  // A hub started again on another's data leaves it to that one's close to remove.
  const schema = !reuse && kind === "postgres" ? testSchema() : null;
  const database = reuse?.databaseFlag ?? (schema ? `${options.postgresUrl ?? TEST_POSTGRES_URL}?schema=${schema}` : "sqlite");
  const resolved = resolveHubConfig({
    data: dataDir, port: "0", host: "127.0.0.1", staleAfter: options.staleAfter, logLevel: (process.env.GROUPCHAT_TEST_LOG_LEVEL ?? "silent"), database,
    metricsPort: options.metricsPort, uploadGrace: options.uploadGrace, uploadQuota: options.uploadQuota,
    syncMaxConnections: options.syncMaxConnections, syncMaxConnectionsPerPrincipal: options.syncMaxConnectionsPerPrincipal, publicUrl: options.publicUrl,
    syncMaxConnectionsPerIp: options.syncMaxConnectionsPerIp, trustProxy: options.trustProxy,
  }, {});
  const config = { ...resolved, webhooks: { ...resolved.webhooks, ...options.webhooks } };
  const lines = options.logLines;
  const hub = await createHub(config, {
    clock: options.clock, maxPendingWrites: options.maxPendingWrites, writer: kind === "postgres" ? "local" : options.writer, purge: options.purge,
    ...(lines ? { logger: { level: "debug", stream: { write: (line: string) => void lines.push(line) } } } : {}),
  });
  await hub.listen();
  const { baseUrl, apiUrl } = hub.urls();
  let side: SqliteDatabase | null = null;
  return {
    hub, creds: hub.credentials, baseUrl, apiUrl, dataDir, kind, databaseFlag: database,
    database: () => {
      if (hub.db instanceof PostgresDatabase) return hub.db;
      if (config.database.kind !== "sqlite") throw new Error("unreachable");
      return (side ??= new SqliteDatabase(config.database.file));
    },
    agent: (token, method, path, body, headers = {}) =>
      request(`${apiUrl}${path}`, init(method, `Basic ${Buffer.from(`${token}:`).toString("base64")}`, body, headers)),
    owner: (token, method, path, body, headers = {}) =>
      request(`${baseUrl}/api/v1${path}`, init(method, `Bearer ${token}`, body, headers)),
    async close() {
      await side?.close();
      await hub.close();
      if (reuse) return;
      rmSync(dataDir, { recursive: true, force: true });
      if (schema) await dropTestSchema(schema);
    },
  };
}

/** Creates a task in the hub's first project and delegates it to the hub's first agent. */
export async function delegatedRun(t: TestHub, title = "Fix the login bug"): Promise<{ taskId: string; runId: string }> {
  const task = await t.owner(t.creds.ownerToken, "POST", "/tasks", { projectId: t.creds.projectId, title, description: "It crashes" });
  if (task.status !== 201) throw new Error(`create task: ${task.status} ${JSON.stringify(task.body)}`);
  const run = await t.owner(t.creds.ownerToken, "POST", `/tasks/${task.body.id}/delegate`, { agentId: t.creds.agentId });
  if (run.status !== 201) throw new Error(`delegate: ${run.status} ${JSON.stringify(run.body)}`);
  return { taskId: task.body.id, runId: run.body.id };
}
