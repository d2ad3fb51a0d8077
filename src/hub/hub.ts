/**
 * The hub: composes the database, the write path, the HTTP app and the reaper,
 * and owns their start and ordered shutdown.
 */
import { ChangeFeed } from "./changes.ts";
import type { HubConfig } from "./config.ts";
import type { Database } from "./db/port.ts";
import { SqliteDatabase } from "./db/sqlite.ts";
import { buildApp } from "./http/app.ts";
import type { App } from "./http/deps.ts";
import { createSyncServer, type SyncServer } from "./realtime/index.ts";
import { Reaper } from "./reaper.ts";
import { issueLoginCode } from "./services/sessions.ts";
import { initialize, type Credentials } from "./setup.ts";
import { Writer, type Clock } from "./write.ts";

export interface Hub {
  readonly app: App;
  readonly db: Database;
  readonly writer: Writer;
  readonly feed: ChangeFeed;
  readonly reaper: Reaper;
  readonly realtime: SyncServer;
  readonly credentials: Credentials;
  /** Where it listens, once `listen` resolved. */
  urls(): { baseUrl: string; apiUrl: string; convexUrl: string };
  /** A fresh one-time sign-in link for the web UI (the hub's owner), once listening. */
  loginLink(): Promise<string>;
  listen(): Promise<void>;
  close(): Promise<void>;
}

export interface HubOptions {
  clock?: Clock;
  logger?: boolean | { level: string };
}

export async function createHub(config: HubConfig, options: HubOptions = {}): Promise<Hub> {
  const clock = options.clock ?? Date.now;
  const db = new SqliteDatabase(config.databaseFile);
  const feed = new ChangeFeed();
  const writer = new Writer(db, feed, clock);
  const credentials = await initialize({ db, writer }, config.dataDir);
  const logger = options.logger ?? (config.logLevel === "silent" ? false : { level: config.logLevel });
  const app = buildApp({ db, writer, feed, clock }, { logger });
  const reaper = new Reaper({ db, writer, clock }, config.staleAfterMs, (error) => app.log.error({ err: error }, "reaper pass failed"));
  // The real-time endpoint shares the HTTP server's port (GROUPCHAT_CONVEX_URL = the hub's URL).
  const realtime = createSyncServer({ db, feed, clock, log: app.log });
  realtime.attach(app.server);
  let address: { host: string; port: number } | null = null;
  let closing: Promise<void> | null = null;

  const hub: Hub = {
    app, db, writer, feed, reaper, realtime, credentials,
    urls() {
      if (!address) throw new Error("The hub is not listening");
      const host = address.host.includes(":") ? `[${address.host}]` : address.host;
      const baseUrl = `http://${host}:${address.port}`;
      return { baseUrl, apiUrl: `${baseUrl}/api/v1/agent`, convexUrl: baseUrl };
    },
    async loginLink() {
      const { code } = await writer.write((w) => issueLoginCode(w, credentials.ownerId));
      return loginUrl(hub.urls().baseUrl, code);
    },
    async listen() {
      await app.listen({ host: config.host, port: config.port });
      const bound = app.server.address();
      const port = typeof bound === "object" && bound ? bound.port : config.port;
      address = { host: config.host === "0.0.0.0" || config.host === "::" ? "127.0.0.1" : config.host, port };
      reaper.start();
    },
    close() {
      // Ordered and idempotent: close the sockets (1012, clients reconnect), stop taking requests, finish the reaper, then the database.
      closing ??= (async () => {
        await realtime.close();
        await app.close();
        await reaper.stop();
        await db.close();
      })();
      return closing;
    },
  };
  return hub;
}

/** The UI's sign-in page redeems the code (a POST), so link previews and prefetchers cannot use it up. */
export function loginUrl(baseUrl: string, code: string): string {
  return `${baseUrl}/login#code=${encodeURIComponent(code)}`;
}
