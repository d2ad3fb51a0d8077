/**
 * The hub: composes the database, the write path, the HTTP app, the reaper, the purger and,
 * when asked for, the metrics server, and owns their start and ordered shutdown.
 */
import { dirname } from "node:path";
import { ChangeFeed } from "./changes.ts";
import type { RunStatus } from "../sdk/run-state.ts";
import type { DatabaseConfig, HubConfig } from "./config.ts";
import { DatabaseUnavailable, type ReadDatabase } from "./db/port.ts";
import type { PostgresRelay } from "./db/postgres-relay.ts";
import { SqliteDatabase } from "./db/sqlite.ts";
import { SqliteReader } from "./db/sqlite-reader.ts";
import { buildApp } from "./http/app.ts";
import { proxyTrust } from "./http/trust-proxy.ts";
import { hashToken } from "./domain/tokens.ts";
import { HubStartError } from "./errors.ts";
import { InstanceLock } from "./instance-lock.ts";
import { recordServedUrl } from "./served-url.ts";
import { loginCommand } from "./login-command.ts";
import { NPX } from "../invocation.ts";
import { makeDir } from "./make-dir.ts";
import { HubMetrics } from "./metrics/hub-metrics.ts";
import { serveMetrics, type MetricsServer } from "./metrics/server.ts";
import type { App } from "./http/deps.ts";
import { createQueryRegistry, createSyncServer, type SyncServer } from "./realtime/index.ts";
import { Purger, type PurgerOptions } from "./purger.ts";
import { Reaper } from "./reaper.ts";
import { WebhookDispatcher } from "./webhooks/dispatcher.ts";
import { initialize, type Credentials } from "./setup.ts";
import { countActiveRuns } from "./store/runs.ts";
import type { Clock } from "./write.ts";
import { LocalWriter } from "./writer/local.ts";
import { ThreadWriter } from "./writer/thread.ts";
import type { Writer } from "./writer/writer.ts";

export interface Hub {
  readonly app: App;
  /** Reads of committed data (every write goes through `writer`). */
  readonly db: ReadDatabase;
  readonly writer: Writer;
  readonly feed: ChangeFeed;
  readonly reaper: Reaper;
  /** Removes, in batches, what deleting a project or workspace marked deleted. */
  readonly purger: Purger;
  /** Delivers people's notifications to their webhooks. */
  readonly webhooks: WebhookDispatcher;
  readonly realtime: SyncServer;
  readonly credentials: Credentials;
  /** Null unless the config asks for metrics (`--metrics-port`). */
  readonly metrics: HubMetrics | null;
  /** Where it listens, once `listen` resolved; `metricsUrl` is null with metrics off. */
  /** Where it listens (`baseUrl`, `apiUrl`, `convexUrl`), and `publicUrl`: `--public-url`, or else `baseUrl`. */
  urls(): { baseUrl: string; apiUrl: string; convexUrl: string; metricsUrl: string | null; publicUrl: string };
  /** A fresh one-time sign-in link for the web UI (the hub's owner), once listening. */
  loginLink(): Promise<string>;
  listen(): Promise<void>;
  close(): Promise<void>;
}

export interface HubOptions {
  clock?: Clock;
  /** Fastify's logger: its level, and where lines go (stdout unless a stream is given). */
  logger?: boolean | { level: string; stream?: { write(line: string): void } };
  /**
   * Where writes run, overriding the config's `writer`: on this thread (the
   * default: the hop to another thread costs more than the SQL it moves), or on a
   * thread of their own that owns the SQLite connection (reads never wait on SQL).
   */
  writer?: "thread" | "local";
  /** Writes held at once before more are refused with a 503 (10,000). */
  maxPendingWrites?: number;
  /** The purger's batch size and how often it looks for work. */
  purge?: PurgerOptions;
  /** How webhooks' deliveries are sent (the global fetch). */
  fetch?: typeof fetch;
  /** The words that run this copy of the CLI, for the commands the hub prints (src/invocation.ts; `npx openclaw-groupchat`). */
  cli?: readonly string[];
}

export async function createHub(config: HubConfig, options: HubOptions = {}): Promise<Hub> {
  const clock = options.clock ?? Date.now;
  const feed = new ChangeFeed();
  let app: App | null = null;
  let db: ReadDatabase;
  let writer: Writer | null = null;
  let relay: PostgresRelay | null = null;
  let realtime: SyncServer | null = null;
  // Read at each scrape, once everything below exists.
  const metrics = config.metrics
    ? new HubMetrics({
      activeRuns: () => countActiveRuns(db),
      realtime: () => ({ sockets: realtime?.connections ?? 0, queries: realtime?.queries ?? 0 }),
    })
    : null;
  const onTransitions = metrics ? (statuses: readonly RunStatus[]) => metrics.transitioned(statuses) : undefined;
  // The relay starts before the app (and its logger) exists.
  const lateLog = {
    warn: (obj: object, msg: string) => app?.log.warn(obj, msg),
    info: (obj: object, msg: string) => app?.log.info(obj, msg),
  };
  const database = config.database;
  try {
    // Made here, not on the writer thread: what keeps the data dir from being made is said the same way for either writer.
    if (database.kind === "sqlite" && database.file !== ":memory:") makeDir(dirname(database.file), "the data dir", "--data");
    if (database.kind === "postgres") {
      // Loaded only here: a hub on SQLite does not carry the PostgreSQL driver.
      const [{ PostgresDatabase }, { PostgresRelay }] = await Promise.all([import("./db/postgres.ts"), import("./db/postgres-relay.ts")]);
      const postgres = await PostgresDatabase.open(database.url, {
        schema: database.schema,
        maxConnections: database.pool,
        onIdleError: (error) => app?.log.warn({ err: error }, "an idle database connection failed"),
        ...(metrics ? { onRetry: (reason) => metrics.retried(reason) } : {}),
      });
      db = postgres;
      try {
        relay = await PostgresRelay.start(database.url, { schema: database.schema, feed, log: lateLog });
      } catch (error) {
        await postgres.close();
        throw error;
      }
      // Several hubs may share the database: each write also tells the others what it changed.
      writer = new LocalWriter(postgres, feed, {
        clock, maxPending: options.maxPendingWrites, announce: (tx, changes) => relay!.announce(tx, changes), onTransitions,
      });
    } else if ((options.writer ?? config.writer) === "local") {
      const sqlite = new SqliteDatabase(database.file, metrics ? { onCommit: (transactions) => metrics.committed(transactions) } : {});
      db = sqlite;
      writer = new LocalWriter(sqlite, feed, { clock, maxPending: options.maxPendingWrites, onTransitions });
    } else {
      // The writer thread creates and migrates the file; the reader opens it after.
      writer = await ThreadWriter.start(database.file, feed, clock, {
        onError: (error) => (app ? app.log.error({ err: error }, "writer thread failed") : console.error(error)),
        maxPending: options.maxPendingWrites,
        onTransitions,
      });
      db = new SqliteReader(database.file);
    }
  } catch (error) {
    // A started writer thread would keep the process alive.
    await writer?.close().catch(() => undefined);
    await relay?.close();
    throw openError(error, database);
  }
  let credentials: Credentials;
  try {
    credentials = await initialize({ writer }, config.dataDir);
  } catch (error) {
    // A damaged credentials file: nothing may keep running (the writer thread would hold the process).
    await writer.close();
    await relay?.close();
    await db.close();
    throw error;
  }
  const logger = options.logger ?? (config.logLevel === "silent" ? false : { level: config.logLevel });
  const trustProxy = proxyTrust(config.trustProxy);
  const webhooks = new WebhookDispatcher({
    db, writer, feed, clock, ...(options.fetch ? { fetch: options.fetch } : {}),
    origin: () => (address ? hub.urls().publicUrl : config.publicUrl),
    onError: (error) => app?.log.error({ err: error }, "webhook delivery failed"),
    ...(metrics ? { onAttempt: (outcome: "delivered" | "failed") => metrics.webhookAttempted(outcome) } : {}),
  }, config.webhooks);
  // One registry for the socket and for HTTP queries: the sync server's feed subscription keeps its caches current.
  const queries = createQueryRegistry();
  app = buildApp(
    {
      db, writer, feed, clock, webhooks, queries, publicUrl: config.publicUrl, credentialsTokenHash: hashToken(credentials.ownerToken),
      uploadQuotaBytes: config.uploads.quotaBytes, cli: (options.cli ?? NPX).join(" "), loginCommand: () => loginCommand(config, address?.port ?? config.port, options.cli),
    },
    { logger, trustProxy, ...(metrics ? { metrics } : {}) },
  );
  const reaper = new Reaper({ db, writer, clock }, config.staleAfterMs, {
    onError: (error) => app.log.error({ err: error }, "reaper pass failed"),
    ...(metrics ? { onExpired: () => metrics.expired() } : {}),
  });
  const purger = new Purger({ db, writer, clock }, { ...options.purge, uploadGraceMs: config.uploads.graceMs }, {
    onError: (error) => app.log.error({ err: error }, "purge failed"),
  });
  // The real-time endpoint shares the HTTP server's port (GROUPCHAT_CONVEX_URL = the hub's URL).
  const sync = createSyncServer({ db, feed, clock, registry: queries, log: app.log, ...(metrics ? { onTurnedAway: (limit) => metrics.turnedAway(limit) } : {}) }, { ...config.sync, publicUrl: config.publicUrl, trustProxy });
  realtime = sync;
  sync.attach(app.server);
  let address: { host: string; port: number } | null = null;
  let metricsServer: MetricsServer | null = null;
  let closing: Promise<void> | null = null;
  let lock: InstanceLock | null = null;

  const hub: Hub = {
    app, db, writer, feed, reaper, purger, webhooks, realtime: sync, credentials, metrics,
    urls() {
      if (!address) throw new Error("The hub is not listening");
      const host = address.host.includes(":") ? `[${address.host}]` : address.host;
      const baseUrl = `http://${host}:${address.port}`;
      return { baseUrl, apiUrl: `${baseUrl}/api/v1/agent`, convexUrl: baseUrl, metricsUrl: metricsServer?.url ?? null, publicUrl: config.publicUrl ?? baseUrl };
    },
    async loginLink() {
      const { code } = await writer.run("issueLoginCode", { userId: credentials.ownerId });
      return loginUrl(hub.urls().publicUrl, code);
    },
    async listen() {
      lock ??= InstanceLock.acquire(config.dataDir);
      try {
        await app.listen({ host: config.host, port: config.port });
      } catch (error) {
        throw listenError(error, config.host, config.port, "");
      }
      if (metrics && config.metrics) {
        try {
          metricsServer = await serveMetrics(metrics.registry, config.metrics.host, config.metrics.port);
        } catch (error) {
          throw listenError(error, config.metrics.host, config.metrics.port, "metrics-");
        }
      }
      const bound = app.server.address();
      const port = typeof bound === "object" && bound ? bound.port : config.port;
      address = { host: config.host === "0.0.0.0" || config.host === "::" ? "127.0.0.1" : config.host, port };
      try {
        recordServedUrl(config.dataDir, hub.urls().publicUrl);
      } catch (error) {
        // Only `hub login`'s default address hangs on it: no reason not to serve.
        app.log.warn({ err: error }, "could not record where the hub serves (hub login will need --port)");
      }
      reaper.start();
      purger.start();
      webhooks.start();
    },
    close() {
      // Ordered and idempotent: abort webhook deliveries, close the sockets (1012, clients reconnect), stop taking requests, finish
      // the reaper and the purger's batch, let the webhooks' leases go, then the database.
      closing ??= (async () => {
        // Deliveries in flight are aborted first (a test delivery would hold app.close); their leases go back through the writer, later.
        const webhooksStopped = webhooks.stop();
        // Scrapes first: they read the database.
        await metricsServer?.close();
        await sync.close();
        await app.close();
        await reaper.stop();
        await purger.stop();
        await webhooksStopped;
        await writer.close();
        await relay?.close();
        await db.close();
        lock?.release();
      })();
      return closing;
    },
  };
  return hub;
}

/** What a user can act on when the database cannot be opened; anything else as it came. */
function openError(error: unknown, database: DatabaseConfig): unknown {
  return database.kind === "postgres" ? postgresOpenError(error, database.display) : sqliteOpenError(error, database.file);
}

function postgresOpenError(error: unknown, where: string): unknown {
  const code = (error as { code?: string }).code;
  const detail = (error as Error).message;
  if (error instanceof DatabaseUnavailable) {
    const cause = error.cause as { code?: string; message?: string } | undefined;
    return new HubStartError(`Cannot reach PostgreSQL at ${where} (${cause?.code ?? cause?.message ?? detail}). Check that it is running and --database points at it.`, { cause: error });
  }
  switch (code) {
    case "28P01":
    case "28000":
      return new HubStartError(`PostgreSQL at ${where} refused the login (${detail}). Check the user and password in --database.`, { cause: error });
    case "3D000":
      return new HubStartError(`PostgreSQL at ${where} has no such database (${detail}). Create it (createdb), or name another in --database.`, { cause: error });
    case "42501":
      return new HubStartError(`PostgreSQL at ${where} does not let this user create the hub's tables (${detail}). Grant it CREATE on the database or schema.`, { cause: error });
    default:
      return error;
  }
}

function sqliteOpenError(error: unknown, file: string): unknown {
  const code = (error as { code?: string }).code;
  switch (code) {
    case "SQLITE_NOTADB":
      return new HubStartError(`${file} is not an SQLite database. Point --data at a hub's data dir, or move that file away to start afresh.`, { cause: error });
    case "SQLITE_CORRUPT":
      return new HubStartError(`${file} is damaged (${code}). Restore it from a backup.`, { cause: error });
    case "SQLITE_CANTOPEN":
    case "SQLITE_READONLY":
    case "SQLITE_PERM":
    case "EACCES":
    case "EROFS":
      return new HubStartError(`Cannot open ${file} for writing (${code}). Check that its directory exists and is writable by this user, or pass another --data.`, { cause: error });
    default:
      return error;
  }
}

/**
 * What a user can act on when the address cannot be had; anything else as it came.
 * `flag` is "" for the API's --port and --host, "metrics-" for --metrics-port and --metrics-host.
 */
function listenError(error: unknown, host: string, port: number, flag: "" | "metrics-"): unknown {
  const where = `${host}:${port}`;
  switch ((error as { code?: string }).code) {
    case "EADDRINUSE":
      return new HubStartError(`Port ${port} on ${host} is already in use (another hub?). Stop that process, or pass --${flag}port with a free port (--${flag}port 0 picks one).`, { cause: error });
    case "EACCES":
      return new HubStartError(`Not allowed to listen on ${where} (ports below 1024 need privileges). Pass --${flag}port with another port.`, { cause: error });
    case "EADDRNOTAVAIL":
      return new HubStartError(`${host} is not an address of this machine. Pass --${flag}host with one that is (127.0.0.1, or 0.0.0.0 for all).`, { cause: error });
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return new HubStartError(`Cannot resolve --${flag}host ${host}.`, { cause: error });
    default:
      return error;
  }
}

/** The UI's sign-in page redeems the code (a POST), so link previews and prefetchers cannot use it up. */
export function loginUrl(baseUrl: string, code: string): string {
  return `${baseUrl}/login#code=${encodeURIComponent(code)}`;
}
