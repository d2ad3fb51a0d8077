/**
 * The coordinator of the real-time endpoint: it owns the sockets, the timers and
 * the change feed subscription, and composes the pure pieces (protocol,
 * connection state, query registry) and the reactor that decides what to re-run.
 * Work on one socket runs one task at a time (Peer.enqueue), so its Transitions
 * leave in the order their versions chain.
 */
import type { IncomingMessage, Server } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer, type RawData, type WebSocket } from "ws";
import type { ChangeFeed, ChangeSet } from "../changes.ts";
import type { Reader } from "../db/port.ts";
import { MAX_ARGS_CHARS, MAX_QUERY_SET_CHARS, ProtocolViolation } from "./connection.ts";
import { changeKey } from "./change-keys.ts";
import { Admissions, type SyncLimit, type SyncLog } from "./admissions.ts";
import { FrameGate } from "./frame-gate.ts";
import { Peer } from "./peer.ts";
import {
  authRefused, isSyncPath, notServed, parseClientFrame, syncPathVersion, takesTransitionChunks, tooManyQueries, unreadable, unreadableQuery, type ClientMessage,
  type ServerMessage, type StateModification,
} from "./protocol.ts";
import { MAX_BATCH_CHARS, Reactor } from "./reactor.ts";
import type { QueryRegistry } from "./registry.ts";
import { Timestamps } from "./timestamp.ts";
import { readCookie, sameOrigin, SESSION_COOKIE } from "../http/session-cookie.ts";
import type { ProxyTrust } from "../http/trust-proxy.ts";
import { sessionFromToken } from "../services/sessions.ts";

export { SYNC_LIMITS, type SyncLimit, type SyncLog } from "./admissions.ts";

export interface SyncServerDeps {
  readonly db: Reader;
  readonly feed: ChangeFeed;
  readonly registry: QueryRegistry;
  readonly clock?: () => number;
  readonly log?: SyncLog;
  /** A socket turned away for being past a bound (the hub counts them in its metrics, by bound). */
  readonly onTurnedAway?: (limit: SyncLimit) => void;
}

export interface SyncServerOptions {
  /** Per socket: a protocol ping, and an application Ping when it was quiet. */
  pingIntervalMs?: number;
  /** A peer that answers no protocol ping for this long is dropped (the backend's figure: 120 s). */
  clientTimeoutMs?: number;
  /**
   * The largest frame a client may send (16 MiB). A larger one is not held: a mutation or action in it is answered
   * BAD_REQUEST and a query it adds fails alone (the stock client would send it again after every reconnect);
   * anything else closes the socket with 1009.
   */
  maxFrameBytes?: number;
  /** Queries served on one socket; more fail with TOO_MANY_QUERIES. */
  maxQueriesPerSocket?: number;
  /** Characters one query's args may take as JSON (1 Mi); a larger query fails alone with BAD_REQUEST. */
  maxArgsChars?: number;
  /** Characters the served queries' args on one socket may take together (16 Mi); past it a new one fails as past maxQueriesPerSocket. */
  maxQuerySetChars?: number;
  /** How long close() waits for clients to finish the close handshake, and a socket turned away for being full. */
  closeGraceMs?: number;
  /**
   * Results one Transition carries (16 Mi characters) before the rest wait for the client to read it: what waits in
   * memory for one socket stays about this plus one result, whatever its query set adds up to.
   */
  maxBatchChars?: number;
  /** Sockets served at once; one more is closed at once with 1013 "TooManyConcurrentRequests". */
  maxConnections?: number;
  /** Sockets served at once from one client address (loopback is not held to it); one more is turned away as above. */
  maxConnectionsPerIp?: number;
  /** Hold loopback clients to maxConnectionsPerIp too (not by default: this host's bridge, the web UI's local tabs, tests). */
  limitLoopback?: boolean;
  /** `--trust-proxy`: the peers whose X-Forwarded-For names the client an upgrade counts toward (null: none). */
  trustProxy?: ProxyTrust | null;
  /**
   * Sockets served at once per principal: the person of the web UI's session cookie, an agent whose token a query
   * carries. One more is closed as above as soon as it proves to be that principal.
   */
  maxConnectionsPerPrincipal?: number;
  /** `--public-url`: pages from its origin may use the session cookie, whatever Host a proxy passes on. */
  publicUrl?: string | null;
}

const SILENT: SyncLog = { warn() {}, error() {} };

export class SyncServer {
  private readonly wss: WebSocketServer;
  private readonly peers = new Set<Peer>();
  private readonly admissions: Admissions;
  private readonly reactor: Reactor;
  private readonly timestamps: Timestamps;
  private readonly clock: () => number;
  private readonly log: SyncLog;
  private readonly options: Required<SyncServerOptions>;
  private readonly unsubscribe: () => void;
  private server: Server | null = null;
  private timer: NodeJS.Timeout | null = null;
  private closing: Promise<void> | null = null;
  private drained: (() => void) | null = null;

  constructor(private readonly deps: SyncServerDeps, options: SyncServerOptions = {}) {
    this.clock = deps.clock ?? Date.now;
    this.log = deps.log ?? SILENT;
    this.timestamps = new Timestamps(this.clock);
    this.options = {
      pingIntervalMs: 15_000, clientTimeoutMs: 120_000, maxFrameBytes: 16 * 1024 * 1024, maxQueriesPerSocket: 1000,
      maxArgsChars: MAX_ARGS_CHARS, maxQuerySetChars: MAX_QUERY_SET_CHARS, closeGraceMs: 1000, maxConnections: 10_000,
      maxConnectionsPerIp: 500, maxConnectionsPerPrincipal: 100, limitLoopback: false, maxBatchChars: MAX_BATCH_CHARS, ...options, publicUrl: options.publicUrl ?? null,
      trustProxy: options.trustProxy ?? null,
    };
    this.admissions = new Admissions(this.options, this.log, deps.onTurnedAway);
    this.wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: this.options.maxFrameBytes, clientTracking: false });
    this.reactor = new Reactor({ db: deps.db, registry: deps.registry, clock: this.clock, maxBatchChars: this.options.maxBatchChars }, {
      schedule: (peer, task) => peer.enqueue(task, (error) => this.failed(peer, error)),
      sendTransition: (peer, modifications) => this.sendTransition(peer, modifications),
      queryFailed: (error, udfPath) => this.log.error({ err: error, udfPath }, "real-time query failed"),
    });
    this.unsubscribe = deps.feed.subscribe((changes: ChangeSet) => this.reactor.changed(changes));
  }

  get connections(): number {
    return this.peers.size;
  }

  /** Queries served on the open sockets (a walk over them: for a scrape, not a hot path). */
  get queries(): number {
    let served = 0;
    for (const peer of this.peers) served += peer.state.served;
    return served;
  }

  /** Serves `/api/<version>/sync` on the hub's own HTTP server. */
  attach(server: Server): void {
    this.server = server;
    server.on("upgrade", this.onUpgrade);
    // Ten slices per interval, each serving the sockets that are due: never all 10,000 in one burst.
    this.timer = setInterval(() => this.tick(), Math.max(1, Math.min(1000, this.options.pingIntervalMs / 10)));
    this.timer.unref();
  }

  /** Closes every socket with 1012 "ServiceRestart" (clients reconnect within about a second), then stops. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      if (this.timer) clearInterval(this.timer);
      this.server?.off("upgrade", this.onUpgrade);
      this.unsubscribe();
      if (this.peers.size > 0) {
        const drained = new Promise<void>((resolve) => (this.drained = resolve));
        for (const peer of this.peers) this.closePeer(peer, 1012, "ServiceRestart");
        const grace = new Promise<void>((resolve) => setTimeout(resolve, this.options.closeGraceMs).unref());
        await Promise.race([drained, grace]);
        // Upgraded sockets still hold the HTTP server open, so none may outlive this.
        for (const peer of this.peers) peer.ws.terminate();
      }
      this.admissions.terminate();
      await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    })();
    return this.closing;
  }

  private readonly onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    if (!isSyncPath(request.url)) return refuse(socket, "404 Not Found", "No real-time endpoint at this path");
    this.wss.handleUpgrade(request, socket, head, (ws) => this.accept(ws, request, socket));
  };

  private accept(ws: WebSocket, request: IncomingMessage, socket: Duplex): void {
    const admitted = this.admissions.enter(ws, request, this.peers.size);
    if (admitted === null) return;
    const { maxFrameBytes, maxArgsChars } = this.options;
    // A frame over the limit is answered from a summary; the elements it keeps whole leave room in it for the markers of the rest.
    const gate = FrameGate.install(socket, { frameLimit: maxFrameBytes, keepBytes: Math.floor(maxFrameBytes * 0.75), maxElementBytes: maxArgsChars + 64 * 1024 });
    const chunks = takesTransitionChunks(syncPathVersion(request.url));
    const limits = { maxQueries: this.options.maxQueriesPerSocket, maxArgsChars, maxQuerySetChars: this.options.maxQuerySetChars };
    const peer = new Peer(ws, limits, this.options.pingIntervalMs, chunks);
    this.peers.add(peer);
    peer.admitted = admitted;
    peer.identify = (principal) => this.identify(peer, principal);
    // The web UI's socket carries the session cookie (same origin only); the lookup is the peer's first task, so every frame sees its result.
    const token = sameOrigin(request.headers, this.options.publicUrl) ? readCookie(request.headers.cookie, SESSION_COOKIE) : null;
    if (token) {
      peer.enqueue(async () => {
        peer.session = await sessionFromToken(this.deps.db, token, this.clock());
        if (peer.session) this.identify(peer, changeKey.user(peer.session.userId));
      }, (error) => this.failed(peer, error));
    }
    ws.on("message", (data, isBinary) => this.onFrame(peer, data, isBinary));
    ws.on("pong", () => (peer.missedPongs = 0));
    // ws reports bad frames (invalid UTF-8, a fragmented message over maxPayload) here, closes the socket itself and reads no more.
    ws.on("error", () => gate?.stop());
    ws.on("close", () => this.drop(peer));
  }

  /** The socket proved to be `principal` (its session cookie, an agent token in a query): it counts toward that bound, or is closed past it. */
  private identify(peer: Peer, principal: string): void {
    if (!peer.closed && !this.admissions.identify(peer.admitted, principal)) this.closePeer(peer, 1013, "TooManyConcurrentRequests");
  }

  private onFrame(peer: Peer, data: RawData, isBinary: boolean): void {
    if (peer.closed) return;
    if (isBinary) return this.closePeer(peer, 1003, "Binary frames are not supported");
    const text = data.toString();
    const parsed = parseClientFrame(text);
    const fail = (error: unknown) => this.failed(peer, error);
    if (parsed.ok) return peer.receive(() => this.handle(peer, parsed.message), fail, text.length);
    const { request, reason } = parsed;
    if (request) return peer.receive(() => this.answer(peer, request.type, unreadable(request, reason)), fail, text.length);
    this.closePeer(peer, parsed.code ?? 1008, reason);
  }

  private async handle(peer: Peer, message: ClientMessage): Promise<void> {
    const { state } = peer;
    switch (message.type) {
      case "Connect":
        state.connect(message);
        if (message.maxObservedTimestamp !== undefined) this.timestamps.observe(message.maxObservedTimestamp);
        return;
      case "ModifyQuerySet": {
        const { added, removed, refused, unreadable: unread } = state.modifyQuerySet(message);
        const answer = [
          ...this.reactor.removed(removed), ...refused.map((sub) => tooManyQueries(sub.queryId, this.options.maxQueriesPerSocket, state.waits(sub))),
          ...unread.map(({ sub, reason }) => unreadableQuery(sub.queryId, reason)),
        ];
        let sent = false;
        const send = async (modifications: StateModification[]) => {
          await peer.drained();
          this.sendTransition(peer, modifications);
          sent = true;
        };
        const rest = await this.reactor.added(peer, added, answer, send);
        // Always sent, even empty: it acknowledges newVersion.
        if (rest.length > 0 || !sent) await send(rest);
        return;
      }
      case "Mutation":
        return this.answer(peer, "Mutation", notServed("MutationResponse", message.requestId, message.udfPath));
      case "Action":
        return this.answer(peer, "Action", notServed("ActionResponse", message.requestId, message.udfPath));
      case "Authenticate":
        await peer.drained();
        if (state.authenticate(message)) return this.sendTransition(peer, []);
        // What a deployment does with a token it cannot verify: the client stops offering it and reports itself signed out.
        peer.send(authRefused(state.identityVersion));
        return this.closePeer(peer, 1000, "AuthError");
      case "Event":
        return state.requireConnect();
      default:
        return message satisfies never;
    }
  }

  private async answer(peer: Peer, request: "Mutation" | "Action", response: ServerMessage): Promise<void> {
    peer.state.requireConnect();
    await peer.drained();
    peer.send(response);
    // A mutation settles once a Transition reaches its ts; a failed one settles at once, but one more Transition costs nothing.
    if (request === "Mutation") this.sendTransition(peer, []);
  }

  private sendTransition(peer: Peer, modifications: StateModification[]): void {
    peer.send(peer.state.transition(modifications, this.timestamps.next()));
  }

  /** The sockets whose keepalive is due get it, and their results that went stale with time re-run. */
  private tick(): void {
    const now = performance.now();
    const dataNow = this.clock();
    const { pingIntervalMs, clientTimeoutMs } = this.options;
    const maxMissed = Math.max(1, Math.ceil(clientTimeoutMs / pingIntervalMs));
    for (const peer of this.peers) {
      if (peer.closed || peer.keepaliveAt > now) continue;
      if (peer.keepalive(now, pingIntervalMs, maxMissed)) this.reactor.expire(peer, dataNow);
    }
  }

  private failed(peer: Peer, error: unknown): void {
    if (error instanceof ProtocolViolation) return this.closePeer(peer, 1008, error.message);
    this.log.error({ err: error }, "real-time socket failed");
    this.closePeer(peer, 1011, "InternalServerError");
  }

  private closePeer(peer: Peer, code: number, reason: string): void {
    this.reactor.forget(peer);
    peer.close(code, reason);
  }

  private drop(peer: Peer): void {
    peer.closed = true;
    peer.release();
    this.reactor.forget(peer);
    this.peers.delete(peer);
    this.admissions.left(peer.admitted, this.peers.size);
    if (this.peers.size === 0) this.drained?.();
  }
}

/** An upgrade refused with an HTTP answer, `{ error }` as everywhere else. */
function refuse(socket: Duplex, status: string, error: string): void {
  // A socket handed to "upgrade" has no error listener: a client that resets it would crash the process.
  socket.on("error", () => socket.destroy());
  socket.once("finish", () => socket.destroy());
  const body = JSON.stringify({ error });
  socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\n`
    + `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
}
