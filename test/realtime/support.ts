/**
 * Helpers for real-time tests: a sync server of test queries listening on its
 * own port, the stock ConvexClient as agents use it, a recorder for a
 * subscription's values and errors, and a raw `ws` client that speaks (or
 * abuses) the sync protocol frame by frame.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { ConvexClient } from "convex/browser";
import type { FunctionReference } from "convex/server";
import WebSocket from "ws";
import { ChangeFeed } from "../../src/hub/changes.ts";
import type { Database } from "../../src/hub/db/port.ts";
import type { QueryRegistry } from "../../src/hub/realtime/registry.ts";
import { SyncServer, type SyncLog, type SyncServerOptions } from "../../src/hub/realtime/sync-server.ts";

export interface ListeningSync {
  readonly sync: SyncServer;
  readonly feed: ChangeFeed;
  readonly baseUrl: string;
  /** TCP connections the server has accepted: each socket a client opens (a reconnect too) is one more. */
  readonly connections: number;
  close(): Promise<void>;
}

/** A sync server serving `registry` (its queries read no database) on a bare HTTP server of its own, on a free loopback port. */
export async function listeningSync(
  registry: QueryRegistry, options: SyncServerOptions = {}, deps: { feed?: ChangeFeed; log?: SyncLog } = {},
): Promise<ListeningSync> {
  const server = createServer((_request, response) => response.writeHead(404).end());
  // Not an "upgrade" listener: with one, the server would hand upgrades over to nobody once the sync server has closed.
  let connections = 0;
  server.on("connection", () => connections++);
  const feed = deps.feed ?? new ChangeFeed();
  const sync = new SyncServer({ db: {} as Database, feed, registry, ...(deps.log ? { log: deps.log } : {}) }, options);
  sync.attach(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    sync, feed,
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get connections() {
      return connections;
    },
    async close() {
      await sync.close();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** Fails a wait that would otherwise hang the suite; not a timing assertion. */
const GIVE_UP_MS = 15_000;

export function stockClient(baseUrl: string): ConvexClient {
  // Exactly as an agent constructs it, minus the reconnect chatter on stdout.
  return new ConvexClient(baseUrl, { logger: false });
}

type Waiter<T> = { accept: (v: T) => boolean; resolve: (v: T) => void };

/** Everything a subscription delivered, and a way to wait for what comes next. */
export class Recorder<T = unknown> {
  readonly values: T[] = [];
  readonly errors: (Error & { data?: unknown })[] = [];
  private valueWaiters: Waiter<T>[] = [];
  private errorWaiters: Waiter<Error & { data?: unknown }>[] = [];
  readonly unsubscribe: () => void;

  constructor(client: ConvexClient, query: FunctionReference<"query">, args: Record<string, unknown>) {
    const handle = client.onUpdate(query, args, (value: T) => {
      this.values.push(value);
      this.valueWaiters = this.valueWaiters.filter((w) => !(w.accept(value) && (w.resolve(value), true)));
    }, (error: Error & { data?: unknown }) => {
      this.errors.push(error);
      this.errorWaiters = this.errorWaiters.filter((w) => !(w.accept(error) && (w.resolve(error), true)));
    });
    this.unsubscribe = () => handle.unsubscribe();
  }

  get last(): T | undefined {
    return this.values.at(-1);
  }

  /** The latest value if it satisfies `accept`, else the next one that does. */
  until(accept: (value: T) => boolean, what = "a matching value", giveUpMs = GIVE_UP_MS): Promise<T> {
    if (this.values.length > 0 && accept(this.values.at(-1)!)) return Promise.resolve(this.values.at(-1)!);
    return wait(this.valueWaiters, accept, what, giveUpMs);
  }

  untilError(accept: (error: Error & { data?: unknown }) => boolean = () => true): Promise<Error & { data?: unknown }> {
    const seen = this.errors.find(accept);
    return seen ? Promise.resolve(seen) : wait(this.errorWaiters, accept, "an error");
  }
}

function wait<T>(waiters: Waiter<T>[], accept: (v: T) => boolean, what: string, giveUpMs = GIVE_UP_MS): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`gave up waiting for ${what}`)), giveUpMs);
    waiters.push({ accept, resolve: (v) => (clearTimeout(timer), resolve(v)) });
  });
}

/** Resolves once `condition` holds, checking every few ms (for state with no event to wait on). */
export async function eventually(condition: () => boolean, what: string): Promise<void> {
  const giveUp = Date.now() + GIVE_UP_MS;
  while (!condition()) {
    if (Date.now() > giveUp) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export const ids = (runs: unknown) => (runs as { id: string }[]).map((r) => r.id);

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Frame = any;

/** A hand-driven sync socket: send anything, read frames in order, see how it closed. */
export class RawSync {
  private readonly frames: Frame[] = [];
  private readers: ((frame: Frame) => void)[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;

  private constructor(readonly ws: WebSocket) {
    // A socket the server closes mid-send may report EPIPE/ECONNRESET; the close event is what tests look at.
    ws.on("error", () => {});
    ws.on("message", (data) => {
      const frame = JSON.parse(data.toString());
      const reader = this.readers.shift();
      if (reader) reader(frame);
      else this.frames.push(frame);
    });
    this.closed = new Promise((resolve) => ws.on("close", (code, reason) => resolve({ code, reason: reason.toString() })));
  }

  static open(baseUrl: string, path = "/api/1.48.0/sync", options: WebSocket.ClientOptions = {}): Promise<RawSync> {
    const ws = new WebSocket(baseUrl.replace(/^http/, "ws") + path, options);
    return new Promise((resolve, reject) => {
      ws.once("open", () => resolve(new RawSync(ws)));
      ws.once("error", reject);
    });
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === "string" || Buffer.isBuffer(frame) ? frame : JSON.stringify(frame));
  }

  connect(sessionId = "raw-session"): void {
    this.send({ type: "Connect", sessionId, connectionCount: 0, lastCloseReason: "InitialConnect", clientTs: Date.now() });
  }

  /** The next frame that is not an application Ping. */
  next(): Promise<Frame> {
    const queued = this.frames.findIndex((f) => f.type !== "Ping");
    if (queued >= 0) return Promise.resolve(this.frames.splice(0, queued + 1).at(-1));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("gave up waiting for a frame")), GIVE_UP_MS);
      const read = (frame: Frame) => {
        if (frame.type === "Ping") return this.readers.unshift(read);
        clearTimeout(timer);
        resolve(frame);
      };
      this.readers.push(read);
    });
  }

  close(): Promise<{ code: number; reason: string }> {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close();
    return this.closed;
  }
}
