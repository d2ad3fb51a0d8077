import { join, resolve } from "node:path";
import { SCHEMA_NAME } from "./db/postgres-sql.ts";
import { parseDuration } from "./domain/duration.ts";
import { parseSize } from "./domain/size.ts";
import { proxyTrust, type TrustProxy } from "./http/trust-proxy.ts";

/** Where the hub keeps its data: the embedded SQLite file (default), or a PostgreSQL database several hubs share. */
export type DatabaseConfig =
  | { readonly kind: "sqlite"; readonly file: string }
  | {
    readonly kind: "postgres";
    /** The connection URL without our own `schema` parameter. */
    readonly url: string;
    /** Tables go in this schema (the URL's `?schema=`), else the connection's default search path. */
    readonly schema: string | null;
    /** Connections in the hub's pool (the URL's `?pool=`, 10): how many writes run side by side. */
    readonly pool: number;
    /** The URL for messages: no password. */
    readonly display: string;
  };

/** The hub's configuration, resolved once (defaults < env < flags) and passed down. */
export interface HubConfig {
  readonly dataDir: string;
  readonly host: string;
  readonly port: number;
  readonly staleAfterMs: number;
  readonly database: DatabaseConfig;
  readonly logLevel: "silent" | "error" | "warn" | "info" | "debug";
  /** Where writes run: the HTTP thread (default) or a thread of their own (see README, "How the hub writes"). */
  readonly writer: "thread" | "local";
  /** Where Prometheus scrapes `/metrics`, apart from the public port; null (the default) for no metrics at all. */
  readonly metrics: { readonly host: string; readonly port: number } | null;
  /** The origin people and agents reach the hub by (a proxy's, say): printed, and in uploads' URLs; null: the listening one. */
  readonly publicUrl: string | null;
  /** Direct peers whose X-Forwarded-For names the client, and -Proto and -Host how it reached the hub (false, the default: none). */
  readonly trustProxy: TrustProxy;
  readonly uploads: UploadsConfig;
  readonly sync: SyncConfig;
  readonly webhooks: WebhooksConfig;
}

/** How webhooks are delivered and retried (src/hub/webhooks/). No flags: tests shorten the waits. */
export interface WebhooksConfig {
  /** A receiver that has not answered in this long has failed the attempt. */
  readonly timeoutMs: number;
  /** The wait after the first failure, doubling at each one after it… */
  readonly retryBaseMs: number;
  /** …up to this. */
  readonly retryMaxMs: number;
  /** A webhook failing without a success for this long (and at least `disableAfterFailures` times) is turned off. */
  readonly disableAfterMs: number;
  readonly disableAfterFailures: number;
  /** How often each hub looks for notifications to deliver. */
  readonly pollMs: number;
  /** How long a hub's claim on a webhook lasts unless renewed (another hub takes it over after a crash). */
  readonly leaseMs: number;
  /**
   * Notifications are delivered once this old (null: 0 on SQLite, whose one writer commits them in id order; 2 s on
   * PostgreSQL, where writes commit side by side and hubs' clocks differ, so a later commit can hold an earlier id).
   */
  readonly settleMs: number | null;
  /** Webhooks delivered at once by one hub. */
  readonly concurrency: number;
}

export const DEFAULT_WEBHOOKS: WebhooksConfig = {
  timeoutMs: 10_000, retryBaseMs: 1000, retryMaxMs: 10 * 60_000, disableAfterMs: 24 * 3_600_000, disableAfterFailures: 10,
  pollMs: 1000, leaseMs: 60_000, settleMs: null, concurrency: 32,
};

/** The real-time endpoint's bounds. */
export interface SyncConfig {
  /** Sockets served at once; one more is closed at once with 1013 "TooManyConcurrentRequests" (the stock client backs off). */
  readonly maxConnections: number;
  /** Of those, from one remote address (loopback is not held to it). */
  readonly maxConnectionsPerIp: number;
  /** Of those, of one principal: the person of a web session, an agent whose token a query carries. */
  readonly maxConnectionsPerPrincipal: number;
}

export const DEFAULT_SYNC: SyncConfig = { maxConnections: 10_000, maxConnectionsPerIp: 500, maxConnectionsPerPrincipal: 100 };

/** How long uploaded images are kept, and how much of them a workspace may hold. */
export interface UploadsConfig {
  /** An upload no task names is removed once it has been so this long (a paste not saved yet stays meanwhile). */
  readonly graceMs: number;
  /** The bytes of uploads a workspace may hold; one that would take it over is refused (413). */
  readonly quotaBytes: number;
}

export const DEFAULT_UPLOADS: UploadsConfig = { graceMs: 24 * 3_600_000, quotaBytes: 1024 ** 3 };

export interface HubConfigInput {
  data?: string | undefined;
  host?: string | undefined;
  port?: string | undefined;
  staleAfter?: string | undefined;
  logLevel?: string | undefined;
  writer?: string | undefined;
  database?: string | undefined;
  metricsPort?: string | undefined;
  metricsHost?: string | undefined;
  publicUrl?: string | undefined;
  trustProxy?: string | undefined;
  uploadGrace?: string | undefined;
  uploadQuota?: string | undefined;
  syncMaxConnections?: string | undefined;
  syncMaxConnectionsPerIp?: string | undefined;
  syncMaxConnectionsPerPrincipal?: string | undefined;
}

export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

const LEVELS = ["silent", "error", "warn", "info", "debug"] as const;

export function resolveHubConfig(flags: HubConfigInput, env: NodeJS.ProcessEnv = process.env): HubConfig {
  const dataDir = resolve(flags.data ?? env.GROUPCHAT_HUB_DATA ?? ".data/hub");
  const host = flags.host ?? env.GROUPCHAT_HUB_HOST ?? "127.0.0.1";
  const port = parsePort("--port", flags.port ?? env.GROUPCHAT_HUB_PORT ?? "3210");
  const staleText = flags.staleAfter ?? env.GROUPCHAT_HUB_STALE_AFTER ?? "30m";
  const staleAfterMs = parseDuration(staleText);
  if (staleAfterMs === null) throw new ConfigError(`--stale-after must be a duration with its unit, like 90s, 30m or 2h, got "${staleText}"`);
  const logLevel = (flags.logLevel ?? env.GROUPCHAT_LOG_LEVEL ?? "info") as HubConfig["logLevel"];
  if (!LEVELS.includes(logLevel)) throw new ConfigError(`--log-level must be one of ${LEVELS.join(", ")}`);
  const writer = (flags.writer ?? env.GROUPCHAT_HUB_WRITER ?? "local") as HubConfig["writer"];
  if (writer !== "thread" && writer !== "local") throw new ConfigError(`--writer must be thread or local, got "${writer}"`);
  const database = parseDatabase(flags.database ?? env.GROUPCHAT_HUB_DATABASE ?? "sqlite", dataDir);
  // The writer thread owns a SQLite connection; PostgreSQL takes concurrent writers itself.
  if (database.kind === "postgres" && writer === "thread") throw new ConfigError("--writer thread is for SQLite; with PostgreSQL, writes run on the HTTP thread");
  const metrics = parseMetrics(flags, env, port);
  const publicUrl = parsePublicUrl(flags.publicUrl ?? env.GROUPCHAT_HUB_PUBLIC_URL);
  const trustProxy = parseTrustProxy(flags.trustProxy ?? env.GROUPCHAT_HUB_TRUST_PROXY);
  const uploads = parseUploads(flags.uploadGrace ?? env.GROUPCHAT_HUB_UPLOAD_GRACE, flags.uploadQuota ?? env.GROUPCHAT_HUB_UPLOAD_QUOTA);
  const sync: SyncConfig = {
    maxConnections: parseSockets("--sync-max-connections", flags.syncMaxConnections ?? env.GROUPCHAT_HUB_SYNC_MAX_CONNECTIONS, DEFAULT_SYNC.maxConnections),
    maxConnectionsPerIp: parseSockets("--sync-max-connections-per-ip",
      flags.syncMaxConnectionsPerIp ?? env.GROUPCHAT_HUB_SYNC_MAX_CONNECTIONS_PER_IP, DEFAULT_SYNC.maxConnectionsPerIp),
    maxConnectionsPerPrincipal: parseSockets("--sync-max-connections-per-principal",
      flags.syncMaxConnectionsPerPrincipal ?? env.GROUPCHAT_HUB_SYNC_MAX_CONNECTIONS_PER_PRINCIPAL, DEFAULT_SYNC.maxConnectionsPerPrincipal),
  };
  return { dataDir, host, port, staleAfterMs, database, logLevel, writer, metrics, publicUrl, trustProxy, uploads, sync, webhooks: DEFAULT_WEBHOOKS };
}

function parseSockets(flag: string, text: string | undefined, byDefault: number): number {
  if (text === undefined) return byDefault;
  const sockets = Number(text);
  if (text.trim() === "" || !Number.isInteger(sockets) || sockets < 1 || sockets > 1_000_000) {
    throw new ConfigError(`${flag} must be a whole number of sockets, 1-1000000, got "${text}"`);
  }
  return sockets;
}

function parseUploads(graceText: string | undefined, quotaText: string | undefined): UploadsConfig {
  const graceMs = graceText === undefined ? DEFAULT_UPLOADS.graceMs : parseDuration(graceText);
  if (graceMs === null) throw new ConfigError(`--upload-grace must be a duration with its unit, like 30m, 24h or 7d, got "${graceText}"`);
  const quotaBytes = quotaText === undefined ? DEFAULT_UPLOADS.quotaBytes : parseSize(quotaText);
  if (quotaBytes === null) throw new ConfigError(`--upload-quota must be a size with its unit, like 500MiB or 1GiB, got "${quotaText}"`);
  return { graceMs, quotaBytes };
}

/**
 * `true`, `false`, or a comma-separated list of addresses, CIDRs and proxy-addr's names (`loopback`, `linklocal`,
 * `uniquelocal`). Not a hop count: it cannot tell a proxy from a client that sends X-Forwarded-For itself (Fastify
 * no longer takes one either).
 */
function parseTrustProxy(text: string | undefined): TrustProxy {
  const trimmed = text?.trim() ?? "";
  if (trimmed === "" || trimmed === "false") return false;
  if (trimmed === "true") return true;
  if (/^\d+$/.test(trimmed)) {
    throw new ConfigError(`--trust-proxy takes the proxies' addresses (like loopback or 10.0.0.0/8), not a hop count: any client could send as many hops, got "${text}"`);
  }
  const addresses = trimmed.split(",").map((part) => part.trim());
  try {
    if (addresses.includes("")) throw new TypeError("an empty entry");
    proxyTrust(addresses);
  } catch (error) {
    throw new ConfigError(`--trust-proxy must be true, false, or addresses and CIDRs like loopback,10.0.0.0/8 (${(error as Error).message}), got "${text}"`);
  }
  return addresses;
}

/** An http(s) origin, no path: the hub serves at its root. */
function parsePublicUrl(text: string | undefined): string | null {
  if (text === undefined || text.trim() === "") return null;
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    throw new ConfigError(`--public-url must be an http(s) address like https://hub.example.com, got "${text}"`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new ConfigError(`--public-url must be http or https, got "${text}"`);
  if ((url.pathname !== "/" && url.pathname !== "") || url.search || url.hash || url.username || url.password) {
    throw new ConfigError(`--public-url is an origin only (the hub serves at its root), got "${text}"`);
  }
  return url.origin;
}

function parsePort(flag: string, text: string): number {
  const port = Number(text);
  if (text.trim() === "" || !Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`${flag} must be 0-65535, got "${text}"`);
  return port;
}

/** Off unless a port is given: the numbers say how busy the hub is, so they are not on the public port. */
function parseMetrics(flags: HubConfigInput, env: NodeJS.ProcessEnv, hubPort: number): HubConfig["metrics"] {
  const portText = flags.metricsPort ?? env.GROUPCHAT_HUB_METRICS_PORT;
  const host = flags.metricsHost ?? env.GROUPCHAT_HUB_METRICS_HOST;
  if (portText === undefined) {
    if (host !== undefined) throw new ConfigError("--metrics-host needs --metrics-port (metrics are off without a port)");
    return null;
  }
  const port = parsePort("--metrics-port", portText);
  if (port !== 0 && port === hubPort) throw new ConfigError(`--metrics-port must differ from --port (${port}): metrics are served apart from the API`);
  return { host: host ?? "127.0.0.1", port };
}

/** `sqlite` (the file DIR/hub.sqlite) or `postgres://user@host:port/db[?schema=name][&pool=n]`. */
function parseDatabase(text: string, dataDir: string): DatabaseConfig {
  if (text === "sqlite") return { kind: "sqlite", file: join(dataDir, "hub.sqlite") };
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ConfigError(`--database must be sqlite or a postgres:// URL, got "${redact(text)}"`);
  }
  if (url.protocol !== "postgres:" && url.protocol !== "postgresql:") {
    throw new ConfigError(`--database must be sqlite or a postgres:// URL, got a ${url.protocol} URL`);
  }
  const schema = url.searchParams.get("schema");
  if (schema !== null && !SCHEMA_NAME.test(schema)) throw new ConfigError(`--database: schema must be letters, digits and _ (at most 63), got "${schema}"`);
  const poolText = url.searchParams.get("pool") ?? "10";
  const pool = Number(poolText);
  if (!Number.isInteger(pool) || pool < 1 || pool > 1000) throw new ConfigError(`--database: pool must be a whole number of connections, 1-1000, got "${poolText}"`);
  // Ours, not the driver's: it would pass them to the server as settings.
  url.searchParams.delete("schema");
  url.searchParams.delete("pool");
  const display = new URL(url);
  if (display.password) display.password = "***";
  return { kind: "postgres", url: url.toString(), schema, pool, display: display.toString() };
}

/** A value that failed to parse as a URL may still hold a password: show its shape only. */
function redact(text: string): string {
  return text.replace(/\/\/[^@/]*@/, "//***@");
}
