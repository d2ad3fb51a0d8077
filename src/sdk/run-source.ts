/**
 * Where runs come from: the stock `convex` client subscribed to
 * `agentWebSocket.pendingRuns` and `.stoppedRuns` (as GroupChat documents), and
 * polling `GET /runs` as the fallback while the socket is down and as a periodic
 * reconciliation while it is up. Every event carries a whole current list, and
 * the same list may come again (after each reconnect, from a poll): consumers
 * must treat them idempotently.
 */
import { ConvexClient, type ConvexClientOptions } from "convex/browser";
import { anyApi } from "convex/server";
import { WebSocket as NodeWebSocket } from "ws";
import { checkToken, type AgentApiClient } from "./client.ts";
import { sleep, systemClock, type Clock } from "./clock.ts";
import { callListener } from "./listener.ts";
import { checkPeriod } from "./period.ts";
import { parseRun, type AgentRun } from "./parse.ts";
import { judgeSyncAnswer, NotSyncEndpointError, probeSyncEndpoint, type SyncAnswer } from "./sync-endpoint.ts";

export type RunVia = "socket" | "poll";

export type RunSourceEvent =
  | { type: "pending"; runs: AgentRun[]; via: RunVia }
  | { type: "stopped"; runs: AgentRun[]; via: RunVia }
  | { type: "connection"; connected: boolean }
  | { type: "error"; error: unknown; via: RunVia };

export type RunSourceListener = (event: RunSourceEvent) => void;

export interface RunSourceOptions {
  client: Pick<AgentApiClient, "runs">;
  /** The `gca_` token, passed to the subscription as its `{ token }` argument. */
  token: string;
  /** `GROUPCHAT_CONVEX_URL`. Without it the source only polls. */
  convexUrl?: string;
  webSocketConstructor?: typeof WebSocket;
  /** More options for the `ConvexClient` (its `logger` is off by default: connection changes are events here). */
  convex?: ConvexClientOptions;
  /** Poll period while the socket is down (or absent). Default 5 s. */
  pollIntervalMs?: number;
  /** Reconciliation period while the socket is up. Default 30 s. */
  reconcileIntervalMs?: number;
  /** Also poll `status=STOPPED`, so stops reach a polling-only worker. Default true. */
  pollStopped?: boolean;
  /** `limit` of each poll. Default 200 (the hub's maximum). */
  pollLimit?: number;
  clock?: Clock;
  /**
   * Asks `convexUrl`'s sync path for a WebSocket upgrade and tells the answer; done once the socket failed without
   * ever connecting. Default: one real request (`probeSyncEndpoint`).
   */
  probeSync?: (convexUrl: string, signal: AbortSignal) => Promise<SyncAnswer>;
}

/**
 * How long until the next poll: often while the socket is down, rarely (reconciliation) while it is up, and
 * never before the end of a `Retry-After` the API answered the last poll with (`waitMs`).
 */
/** How long `close()` waits for the stock client to close its socket, once it closed what was still connecting. */
const CLOSE_WAIT_MS = 1_000;

export function pollDelayMs(connected: boolean, options: { pollIntervalMs: number; reconcileIntervalMs: number }, waitMs = 0): number {
  return Math.max(connected ? options.reconcileIntervalMs : options.pollIntervalMs, waitMs);
}

export class RunSource {
  readonly #o: RunSourceOptions;
  readonly #clock: Clock;
  readonly #intervals: { pollIntervalMs: number; reconcileIntervalMs: number };
  readonly #listeners = new Set<RunSourceListener>();
  readonly #abort = new AbortController();
  #convex: ConvexClient | null = null;
  #unsubscribe: Array<() => void> = [];
  /** The sockets the stock client opened and that are not closed yet. */
  readonly #sockets = new Set<WebSocket>();
  #cancelPoll: (() => void) | null = null;
  #polling: Promise<void> | null = null;
  #connected = false;
  /** No poll before this time (ms): the API's `Retry-After` on the last one. */
  #retryAt = 0;
  #state: "new" | "started" | "closed" = "new";
  /** Whether the Convex URL was found to be a sync endpoint or not ("known"), or is being asked. */
  #endpoint: "unknown" | "asking" | "known" = "unknown";

  constructor(options: RunSourceOptions) {
    checkToken(options.token, "RunSource");
    checkPeriod(options.pollIntervalMs, "RunSource's pollIntervalMs");
    checkPeriod(options.reconcileIntervalMs, "RunSource's reconcileIntervalMs");
    this.#o = options;
    this.#clock = options.clock ?? systemClock;
    this.#intervals = { pollIntervalMs: options.pollIntervalMs ?? 5_000, reconcileIntervalMs: options.reconcileIntervalMs ?? 30_000 };
  }

  subscribe(listener: RunSourceListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  get connected(): boolean {
    return this.#connected;
  }

  /** Opens the subscription (if a Convex URL was given) and polls at once. */
  start(): void {
    if (this.#state !== "new") return;
    this.#state = "started";
    if (this.#o.convexUrl) this.#subscribe(this.#o.convexUrl);
    void this.refresh();
  }

  /** Polls now (unless a poll is under way, or the API asked to wait) and reschedules the next one. */
  refresh(): Promise<void> {
    if (this.#state !== "started") return Promise.resolve();
    if (!this.#polling && this.#clock.now() < this.#retryAt) {
      this.#schedule();
      return Promise.resolve();
    }
    this.#polling ??= this.#poll().finally(() => {
      this.#polling = null;
      this.#schedule();
    });
    return this.#polling;
  }

  /** Unsubscribes, closes the socket (`connected` is false from then on), stops polling. Idempotent. */
  async close(): Promise<void> {
    if (this.#state === "closed") return;
    this.#state = "closed";
    // Not said as a `connection` event: nothing polls in its place.
    this.#connected = false;
    this.#abort.abort(new Error("run source closed"));
    this.#cancelPoll?.();
    for (const unsubscribe of this.#unsubscribe.splice(0)) unsubscribe();
    // The stock client's close waits for a socket still connecting to open or fail, which a server that never
    // answers the upgrade (or a blackholed address) makes wait for minutes: such a socket is closed here, and the
    // wait is bounded all the same.
    const closing = this.#convex?.close();
    for (const socket of this.#sockets) if (socket.readyState === socket.CONNECTING) socket.close();
    if (closing) {
      const timer = new AbortController();
      await Promise.race([closing.catch(() => undefined), sleep(this.#clock, CLOSE_WAIT_MS, timer.signal).catch(() => undefined)]);
      timer.abort();
    }
    await this.#polling;
  }

  #subscribe(convexUrl: string): void {
    // A trailing slash would make the socket path `//api/…/sync`, which servers read as a host.
    const url = convexUrl.replace(/\/+$/, "");
    const options: ConvexClientOptions = { logger: false, ...this.#o.convex };
    // Node 20 has no WebSocket of its own: the stock client's default there is `ws` too.
    const base = this.#o.webSocketConstructor ?? this.#o.convex?.webSocketConstructor ?? globalThis.WebSocket ?? (NodeWebSocket as unknown as typeof WebSocket);
    options.webSocketConstructor = this.#tracked(base);
    let convex: ConvexClient;
    try {
      convex = new ConvexClient(url, options);
    } catch (error) {
      // The client refuses the URL outright (not http(s), a `.convex.site` host): said once; polling goes on.
      this.#endpoint = "known";
      return this.#emit({ type: "error", error: new NotSyncEndpointError(url, { refused: error instanceof Error ? error.message : String(error) }), via: "socket" });
    }
    this.#convex = convex;
    const args = { token: this.#o.token };
    for (const type of ["pending", "stopped"] as const) {
      const query = type === "pending" ? anyApi.agentWebSocket!.pendingRuns! : anyApi.agentWebSocket!.stoppedRuns!;
      // onError is not optional in practice: without it a failed query is an unhandled rejection.
      this.#unsubscribe.push(convex.onUpdate(query, args, (value: unknown) => this.#list(type, value, "socket"), (error) => this.#emit({ type: "error", error, via: "socket" })));
    }
    this.#unsubscribe.push(convex.subscribeToConnectionState((state) => {
      this.#setConnected(state.isWebSocketConnected);
      if (!state.hasEverConnected && state.connectionRetries > 0) void this.#askEndpoint(url);
    }));
  }

  /** `base`, noting each socket it makes until it closes, so `close()` can close one still connecting. */
  #tracked(base: typeof WebSocket): typeof WebSocket {
    const sockets = this.#sockets;
    return new Proxy(base, {
      construct(target, args: ConstructorParameters<typeof WebSocket>) {
        const socket = Reflect.construct(target, args) as WebSocket;
        sockets.add(socket);
        socket.addEventListener("close", () => sockets.delete(socket));
        return socket;
      },
    });
  }

  /**
   * The socket failed and never connected: the stock client will only try again, in silence. Is anything at the URL
   * a sync endpoint? Said once, as an `error` event, when it is not; asked again at a later failure when the answer
   * said nothing (no answer, a 5xx).
   */
  async #askEndpoint(url: string): Promise<void> {
    if (this.#endpoint !== "unknown" || this.#state !== "started") return;
    this.#endpoint = "asking";
    const answer = await (this.#o.probeSync ?? probeSyncEndpoint)(url, this.#abort.signal).catch((error: unknown): SyncAnswer => ({ kind: "unreachable", error }));
    if (this.#state !== "started") return;
    const verdict = judgeSyncAnswer(answer);
    this.#endpoint = verdict === "unsure" ? "unknown" : "known";
    if (verdict === "not_sync" && answer.kind === "http") this.#emit({ type: "error", error: new NotSyncEndpointError(url, answer), via: "socket" });
  }

  #setConnected(connected: boolean): void {
    if (this.#state !== "started" || connected === this.#connected) return;
    this.#connected = connected;
    this.#emit({ type: "connection", connected });
    // Lost the socket: poll now, something may have been missed. Got it back: the subscription resends everything.
    if (connected) this.#schedule();
    else void this.refresh();
  }

  async #poll(): Promise<void> {
    const signal = this.#abort.signal;
    const limit = this.#o.pollLimit ?? 200;
    const statuses = this.#o.pollStopped === false ? (["PENDING"] as const) : (["PENDING", "STOPPED"] as const);
    for (const status of statuses) {
      try {
        const runs = await this.#o.client.runs({ status, limit }, { signal });
        if (signal.aborted) return;
        this.#emit({ type: status === "PENDING" ? "pending" : "stopped", runs, via: "poll" });
      } catch (error) {
        if (signal.aborted) return;
        // A Retry-After longer than the client waits out itself: the next poll waits for it instead of hammering.
        const retryAfterMs = (error as { retryAfterMs?: unknown } | null)?.retryAfterMs;
        if (typeof retryAfterMs === "number" && retryAfterMs > 0) this.#retryAt = this.#clock.now() + retryAfterMs;
        this.#emit({ type: "error", error, via: "poll" });
        return;
      }
    }
  }

  #schedule(): void {
    this.#cancelPoll?.();
    this.#cancelPoll = null;
    if (this.#state !== "started") return;
    const waitMs = Math.max(0, this.#retryAt - this.#clock.now());
    this.#cancelPoll = this.#clock.setTimeout(() => void this.refresh(), pollDelayMs(this.#connected, this.#intervals, waitMs));
  }

  #list(type: "pending" | "stopped", value: unknown, via: RunVia): void {
    if (this.#state !== "started") return;
    const runs: AgentRun[] = [];
    for (const [i, item] of (Array.isArray(value) ? value : []).entries()) {
      try {
        runs.push(parseRun(item, `${type}Runs[${i}]`));
      } catch (error) {
        this.#emit({ type: "error", error, via });
      }
    }
    if (!Array.isArray(value) && value != null) this.#emit({ type: "error", error: new TypeError(`${type}Runs is not an array`), via });
    this.#emit({ type, runs, via });
  }

  #emit(event: RunSourceEvent): void {
    // A throw here would land in the socket's message handler and kill a Node process. Every listener hears the
    // event before any hears of a failure; an async listener's rejection is told when it comes.
    const failures: unknown[] = [];
    let delivering = true;
    const failed = (error: unknown) => (delivering ? failures.push(error) : this.#listenerFailed(event, error));
    for (const listener of this.#listeners) callListener(listener, [event], failed);
    delivering = false;
    for (const error of failures) this.#listenerFailed(event, error);
  }

  #listenerFailed(event: RunSourceEvent, error: unknown): void {
    if (event.type === "error") console.error("RunSource listener failed on an error event", error);
    else this.#emit({ type: "error", error, via: "via" in event ? event.via : "socket" });
  }
}
