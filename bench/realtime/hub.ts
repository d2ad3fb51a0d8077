/**
 * The hub for the real-time benches: the real CLI in its own process (so the
 * load and the clients do not share its event loop), on loopback, with its
 * credentials, an HTTP pool to call it and its resident memory.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Pool } from "undici";
import { spawnChild } from "../support.ts";

export interface BenchHub {
  baseUrl: string;
  creds: { ownerToken: string; agentToken: string; agentId: string; projectId: string };
  pool: Pool;
  owner(method: "GET" | "POST", path: string, body?: unknown): Promise<Json>;
  agent(token: string, method: "GET" | "POST", path: string, body?: unknown): Promise<Json>;
  /** The hub process's resident set size, in bytes (Linux /proc). */
  rss(): number;
  stop(): Promise<void>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

export interface BenchHubOptions {
  /** `--database` (SQLite in the data dir by default). */
  database?: string;
  /** A credentials file to start from: a second hub on a database another hub set up. */
  credentialsFrom?: string;
}

export async function startBenchHub(connections = 32, options: BenchHubOptions = {}): Promise<BenchHub & { credentialsFile: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), "gc-bench-rt-"));
  if (options.credentialsFrom) copyFileSync(options.credentialsFrom, join(dataDir, "credentials.json"));
  const hub = await spawnChild(
    ["bin/openclaw-groupchat.mjs", "hub", "--data", dataDir, "--port", "0", "--host", "127.0.0.1", "--log-level", "error",
      ...(options.database ? ["--database", options.database] : [])],
    /GROUPCHAT_API_URL=http:\/\/127\.0\.0\.1:(\d+)/,
  );
  const baseUrl = `http://127.0.0.1:${hub.match[1]}`;
  const creds = JSON.parse(readFileSync(join(dataDir, "credentials.json"), "utf8"));
  const pool = new Pool(baseUrl, { connections, pipelining: 1 });
  const call = async (method: "GET" | "POST", path: string, authorization: string, body?: unknown) => {
    const response = await pool.request({
      method, path,
      headers: body === undefined ? { authorization } : { authorization, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.body.text();
    if (response.statusCode >= 300) throw new Error(`${method} ${path}: ${response.statusCode} ${text}`);
    return text ? JSON.parse(text) : null;
  };
  return {
    baseUrl, creds, pool, credentialsFile: join(dataDir, "credentials.json"),
    owner: (method, path, body) => call(method, `/api/v1${path}`, `Bearer ${creds.ownerToken}`, body),
    agent: (token, method, path, body) => call(method, `/api/v1/agent${path}`, `Basic ${Buffer.from(`${token}:`).toString("base64")}`, body),
    rss() {
      const status = readFileSync(`/proc/${hub.process.pid}/status`, "utf8");
      return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? NaN) * 1024;
    },
    async stop() {
      await pool.close();
      await hub.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Runs `fn` over `items` with at most `limit` in flight. */
export async function inBatches<T, R>(items: T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!, i);
    }
  }));
  return results;
}
