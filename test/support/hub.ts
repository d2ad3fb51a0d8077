/**
 * A real hub for tests: its own temp data dir (so its own SQLite file), listening
 * on a free loopback port, closed and removed by `close()`.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { resolveHubConfig } from "../../src/hub/config.ts";
import { SqliteDatabase } from "../../src/hub/db/sqlite.ts";
import { createHub, type Hub } from "../../src/hub/hub.ts";
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
   * A second connection to the hub's SQLite file, for a test that must write what
   * no API writes (the hub's own writes may run on its writer thread).
   */
  database(): SqliteDatabase;
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

/** Both places the hub's writes can run (`--writer`): suites that stress the write path run on each. */
export const WRITERS = ["local", "thread"] as const;

export async function startTestHub(
  options: { staleAfter?: string; clock?: () => number; maxPendingWrites?: number; writer?: "thread" | "local" } = {},
): Promise<TestHub> {
  const dataDir = mkdtempSync(join(tmpdir(), "gc-hub-"));
  const config = resolveHubConfig({ data: dataDir, port: "0", host: "127.0.0.1", staleAfter: options.staleAfter, logLevel: "silent" }, {});
  const hub = await createHub(config, { clock: options.clock, maxPendingWrites: options.maxPendingWrites, writer: options.writer });
  await hub.listen();
  const { baseUrl, apiUrl } = hub.urls();
  let side: SqliteDatabase | null = null;
  return {
    hub, creds: hub.credentials, baseUrl, apiUrl, dataDir,
    database: () => (side ??= new SqliteDatabase(config.databaseFile)),
    agent: (token, method, path, body, headers = {}) =>
      request(`${apiUrl}${path}`, init(method, `Basic ${Buffer.from(`${token}:`).toString("base64")}`, body, headers)),
    owner: (token, method, path, body, headers = {}) =>
      request(`${baseUrl}/api/v1${path}`, init(method, `Bearer ${token}`, body, headers)),
    async close() {
      await side?.close();
      await hub.close();
      rmSync(dataDir, { recursive: true, force: true });
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
