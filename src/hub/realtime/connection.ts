/**
 * One socket's protocol state, as pure bookkeeping (no I/O): the query set the
 * client asked for, the versions it holds, and which queries need re-running.
 *
 * The one invariant: the client holds one StateVersion per socket, starting at
 * 0/0/0, and throws (killing a Node agent) unless each Transition's startVersion
 * equals it exactly. So `sent` is the last endVersion sent on THIS socket, and
 * every Transition starts from it.
 */
import { MAX_MODIFICATIONS, type Authenticate, type Connect, type ModifyQuerySet, type StateModification, type StateVersion, type Transition } from "./protocol.ts";

/** A client mistake that ends its socket; `reason` goes into the close frame. */
export class ProtocolViolation extends Error {
  override readonly name = "ProtocolViolation";
}

export interface Subscription {
  readonly queryId: number;
  readonly udfPath: string;
  readonly args: readonly unknown[];
  readonly componentPath: string | null;
  /** Characters of its args as JSON (0 for one kept by id alone). */
  readonly argsChars: number;
  /** Fingerprint of the last result sent; null until the first one. */
  hash: string | null;
  /** When the result goes stale by itself (e.g. a 24-hour window), in Unix ms. */
  expiresAt: number | null;
}

export interface QuerySetChange {
  readonly added: Subscription[];
  readonly removed: Subscription[];
  /** Added over the socket's query limit (or its args' bound): they fail (TOO_MANY_QUERIES) and do not run until the set is back under it. */
  readonly refused: Subscription[];
  /** Added unreadable, or with args over the bound: each fails (BAD_REQUEST) with its reason, and never runs. */
  readonly unreadable: { readonly sub: Subscription; readonly reason: string }[];
}

/** The bounds on one socket's queries. */
export interface QueryLimits {
  /** Queries served; more fail with TOO_MANY_QUERIES. */
  readonly maxQueries: number;
  /** Characters one query's args may take as JSON; a larger query fails alone. */
  readonly maxArgsChars: number;
  /** Characters the served queries' args may take together; past it a new query is refused as past maxQueries. */
  readonly maxQuerySetChars: number;
}

/** One query's args may take 1 Mi characters as JSON: far more than any query the hub serves reads. */
export const MAX_ARGS_CHARS = 1024 * 1024;
/** The served queries' args together, per socket: 16 Mi characters, so 1,000 queries cannot hold a gigabyte of args. */
export const MAX_QUERY_SET_CHARS = 16 * 1024 * 1024;

/**
 * Refused queries keep their args to run later up to this many times the limit; past it they are kept by id
 * only (so the client's Remove finds them), and fail until a reconnect. The socket is ended only when its
 * whole set passes MAX_MODIFICATIONS, which no reconnect could re-add in one frame anyway.
 */
const REFUSED_PER_SERVED = 10;
/** The args refused queries keep to run once served, per socket; past it one keeps none and waits for a reconnect. */
const WAITING_ARGS_CHARS = 4_000_000;

/** The args of a query kept by id only (it never runs): one array for them all. */
const NO_ARGS: readonly unknown[] = Object.freeze([]);

const ZERO: StateVersion = { querySet: 0, identity: 0, ts: 0n };

export class ConnectionState {
  sessionId: string | null = null;
  readonly queries = new Map<number, Subscription>();
  /** Queries whose inputs changed since they last ran. */
  readonly dirty = new Set<Subscription>();
  /** Queries in the set that are not served: over the limit, or unreadable. */
  private readonly refused = new Set<Subscription>();
  /** Refused queries that kept their args, oldest first, with their size: served as the set gets back under the limit. */
  private readonly waiting = new Map<Subscription, number>();
  private waitingChars = 0;
  /** Characters of the served queries' args. */
  private servedChars = 0;
  private querySet = 0;
  private identity = 0;
  private sent: StateVersion = ZERO;
  private readonly limits: QueryLimits;

  constructor(limits: Partial<QueryLimits> = {}) {
    this.limits = { maxQueries: 1000, maxArgsChars: MAX_ARGS_CHARS, maxQuerySetChars: MAX_QUERY_SET_CHARS, ...limits };
  }

  get connected(): boolean {
    return this.sessionId !== null;
  }

  /** Queries in the set that are served (not refused over the limit, nor unreadable). */
  get served(): number {
    return this.queries.size - this.refused.size;
  }

  /** The version the client holds now. */
  get version(): StateVersion {
    return this.sent;
  }

  connect(message: Connect): void {
    if (this.connected) throw new ProtocolViolation("Connect sent twice on one socket");
    this.sessionId = message.sessionId;
  }

  modifyQuerySet(message: ModifyQuerySet): QuerySetChange {
    this.requireConnect();
    if (message.baseVersion !== this.querySet) {
      throw new ProtocolViolation(`BaseVersionMismatch: query set is at ${this.querySet}, not ${message.baseVersion}`);
    }
    if (message.newVersion <= message.baseVersion) throw new ProtocolViolation("ModifyQuerySet newVersion must exceed baseVersion");
    const { maxQueries, maxArgsChars, maxQuerySetChars } = this.limits;
    const full = (size: number) => this.served >= maxQueries || this.servedChars + size > maxQuerySetChars;
    const added: Subscription[] = [];
    const removed: Subscription[] = [];
    const refused: Subscription[] = [];
    const unreadable: QuerySetChange["unreadable"] = [];
    const fail = (queryId: number, reason: string) => {
      const sub = this.keep(queryId, "", NO_ARGS, null, 0);
      this.refused.add(sub);
      unreadable.push({ sub, reason });
    };
    for (const m of message.modifications) {
      if (m.type === "Add") {
        if (this.queries.has(m.queryId)) throw new ProtocolViolation(`Query ${m.queryId} is already in the query set`);
        if (this.queries.size >= MAX_MODIFICATIONS) throw new ProtocolViolation(`More than ${MAX_MODIFICATIONS} queries on one socket`);
        // The client sends either again after every reconnect: each fails alone, where closing the socket would repeat forever.
        if ("unreadable" in m) {
          fail(m.queryId, m.unreadable);
          continue;
        }
        const size = JSON.stringify(m.args).length;
        if (size > maxArgsChars) {
          fail(m.queryId, `Query args of ${size} characters, over the ${maxArgsChars} one query may take`);
          continue;
        }
        // Over the limit only the new query fails: closing the socket would fail them all, again after every reconnect.
        // One waits behind older refused ones, so the oldest queries are served, as after a reconnect (which re-adds in order).
        const over = full(size) || this.waiting.size > 0;
        const keeps = !over || (this.refused.size < maxQueries * REFUSED_PER_SERVED && this.waitingChars + size <= WAITING_ARGS_CHARS);
        // One that cannot run later keeps nothing but its id: a socket may hold 200,000 of them.
        const sub = keeps ? this.keep(m.queryId, m.udfPath, m.args, m.componentPath ?? null, size) : this.keep(m.queryId, "", NO_ARGS, null, 0);
        if (over) {
          this.refused.add(sub);
          if (keeps) this.wait(sub, size);
        } else {
          this.servedChars += size;
        }
        (over ? refused : added).push(sub);
      } else {
        const sub = this.queries.get(m.queryId);
        if (!sub) throw new ProtocolViolation(`Query ${m.queryId} is not in the query set`);
        this.queries.delete(m.queryId);
        this.dirty.delete(sub);
        if (!this.refused.delete(sub)) this.servedChars -= sub.argsChars;
        this.stopWaiting(sub);
        removed.push(sub);
      }
    }
    // Back under the limit: the oldest refused queries are served now. The client still holds each one, failed, and
    // would never ask again; its QueryUpdated clears the error.
    for (const sub of this.waiting.keys()) {
      if (full(sub.argsChars)) break;
      this.refused.delete(sub);
      this.stopWaiting(sub);
      this.servedChars += sub.argsChars;
      added.push(sub);
    }
    this.querySet = message.newVersion;
    // One removed later in the same frame is answered by its QueryRemoved alone.
    const held = (sub: Subscription) => this.queries.get(sub.queryId) === sub;
    return { added, removed, refused: refused.filter((sub) => this.refused.has(sub)), unreadable: unreadable.filter(({ sub }) => held(sub)) };
  }

  private keep(queryId: number, udfPath: string, args: readonly unknown[], componentPath: string | null, argsChars: number): Subscription {
    const sub: Subscription = { queryId, udfPath, args, componentPath, argsChars, hash: null, expiresAt: null };
    this.queries.set(queryId, sub);
    return sub;
  }

  /** A refused query waits to be served as the set gets back under the limit; one that does not waits for a reconnect. */
  waits(sub: Subscription): boolean {
    return this.waiting.has(sub);
  }

  private wait(sub: Subscription, size: number): void {
    this.waiting.set(sub, size);
    this.waitingChars += size;
  }

  private stopWaiting(sub: Subscription): void {
    this.waitingChars -= this.waiting.get(sub) ?? 0;
    this.waiting.delete(sub);
  }

  /**
   * Tokens travel in query args here, so the hub verifies no JWT or admin key: like a deployment
   * without auth providers it refuses one (false: the caller answers AuthError) and accepts
   * only clearing it, bumping identity as the client expects.
   */
  authenticate(message: Authenticate): boolean {
    this.requireConnect();
    if (message.baseVersion !== this.identity) {
      throw new ProtocolViolation(`IdentityVersionMismatch: identity is at ${this.identity}, not ${message.baseVersion}`);
    }
    if (message.tokenType !== "None") return false;
    this.identity = message.baseVersion + 1;
    return true;
  }

  get identityVersion(): number {
    return this.identity;
  }

  markDirty(sub: Subscription): boolean {
    if (this.queries.get(sub.queryId) !== sub) return false;
    this.dirty.add(sub);
    return true;
  }

  /** The dirty queries, now clean: the caller re-runs them. */
  takeDirty(): Subscription[] {
    const subs = [...this.dirty];
    this.dirty.clear();
    return subs;
  }

  /** The next Transition on this socket, from exactly what the client holds; `ts` is raised if it would not advance. */
  transition(modifications: StateModification[], ts: bigint): Transition {
    const start = this.sent;
    const end: StateVersion = { querySet: this.querySet, identity: this.identity, ts: ts > start.ts ? ts : start.ts + 1n };
    this.sent = end;
    return { type: "Transition", startVersion: start, endVersion: end, modifications };
  }

  requireConnect(): void {
    if (!this.connected) throw new ProtocolViolation("The first message must be Connect");
  }
}
