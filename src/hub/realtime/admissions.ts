/**
 * Who the sync server serves: each socket counts toward --sync-max-connections, its client's address toward
 * --sync-max-connections-per-ip (behind a proxy the hub trusts, --trust-proxy, the address the proxy forwarded), and
 * each principal it proves to be toward --sync-max-connections-per-principal. A socket past a bound is accepted and
 * closed with 1013 "TooManyConcurrentRequests", on which the stock client waits 3 s, doubling, before it tries again
 * (an HTTP error at the upgrade it would retry after 1 s).
 */
import type { IncomingMessage } from "node:http";
import type { WebSocket } from "ws";
import { clientAddress, type ProxyTrust } from "../http/trust-proxy.ts";
import { ConnectionLimit, type Admission } from "./connection-limit.ts";
import { ConnectionQuota, isLoopback } from "./connection-quota.ts";

/** The bounds a socket can be turned away for: sockets in all, from one address, of one principal. */
export const SYNC_LIMITS = ["sockets", "ip", "principal"] as const;
export type SyncLimit = (typeof SYNC_LIMITS)[number];

export interface SyncLog {
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
}

export interface AdmissionOptions {
  readonly maxConnections: number;
  readonly maxConnectionsPerIp: number;
  readonly maxConnectionsPerPrincipal: number;
  /** Hold loopback clients to maxConnectionsPerIp too. */
  readonly limitLoopback: boolean;
  /** The peers whose X-Forwarded-For names the client; null: the direct peer is the client. */
  readonly trustProxy: ProxyTrust | null;
  /** How long a socket turned away may take to finish its close handshake. */
  readonly closeGraceMs: number;
}

/** What a socket is counted under once served, for `left` to release. */
export interface Admitted {
  /** The client address it counts toward (null: none, loopback). */
  readonly address: string | null;
  readonly principals: string[];
}

export class Admissions {
  private readonly limit: ConnectionLimit;
  private readonly perIp: ConnectionQuota;
  private readonly perPrincipal: ConnectionQuota;
  /** Sockets turned away, until their close handshake ends. */
  private readonly turnedAway = new Set<WebSocket>();

  constructor(
    private readonly options: AdmissionOptions,
    private readonly log: SyncLog,
    private readonly onTurnedAway?: (limit: SyncLimit) => void,
  ) {
    this.limit = new ConnectionLimit(options.maxConnections);
    this.perIp = new ConnectionQuota(options.maxConnectionsPerIp);
    this.perPrincipal = new ConnectionQuota(options.maxConnectionsPerPrincipal);
  }

  /** A new socket, with `open` served now: what it is counted under, or null once it has been turned away. */
  enter(ws: WebSocket, request: IncomingMessage, open: number): Admitted | null {
    const admission = this.limit.admit(open);
    if (admission !== "serve") return this.turnAway(ws, "sockets", admission, this.limit.max);
    const client = clientAddress(request, this.options.trustProxy);
    const address = client === undefined || (!this.options.limitLoopback && isLoopback(client)) ? null : client;
    if (address !== null) {
      const fromThere = this.perIp.take(address);
      if (fromThere !== "serve") return this.turnAway(ws, "ip", fromThere, this.perIp.max, address);
    }
    return { address, principals: [] };
  }

  /** The socket proved to be `principal`: true once it counts toward that bound, false past it (the caller closes it with 1013). */
  identify(admitted: Admitted, principal: string): boolean {
    if (admitted.principals.includes(principal)) return true;
    const admission = this.perPrincipal.take(principal);
    if (admission === "serve") {
      admitted.principals.push(principal);
      return true;
    }
    this.refused("principal", admission, this.perPrincipal.max, principal);
    return false;
  }

  /** A served socket closed, leaving `open`. */
  left(admitted: Admitted, open: number): void {
    this.limit.closed(open);
    if (admitted.address !== null) this.perIp.release(admitted.address);
    for (const principal of admitted.principals) this.perPrincipal.release(principal);
  }

  /** Ends the close handshakes still under way. */
  terminate(): void {
    for (const ws of this.turnedAway) ws.terminate();
  }

  private turnAway(ws: WebSocket, limit: SyncLimit, admission: Admission, max: number, key?: string): null {
    this.refused(limit, admission, max, key);
    this.turnedAway.add(ws);
    // A peer that does not finish the close handshake is not waited for.
    const giveUp = setTimeout(() => ws.terminate(), this.options.closeGraceMs).unref();
    ws.on("error", () => {});
    ws.on("close", () => {
      clearTimeout(giveUp);
      this.turnedAway.delete(ws);
    });
    ws.close(1013, "TooManyConcurrentRequests");
    return null;
  }

  /** One more socket past a bound: counted, and worth a warning once per spell. */
  private refused(limit: SyncLimit, admission: Admission, max: number, key?: string): void {
    this.onTurnedAway?.(limit);
    if (admission !== "refuse and warn") return;
    const [whose, flag] = limit === "sockets" ? ["", ""] : limit === "ip" ? [` from ${key}`, "-per-ip"] : [` of ${key}`, "-per-principal"];
    this.log.warn({ limit: max, ...(key ? { [limit]: key } : {}) },
      `real-time sockets${whose} at the limit (${max}, --sync-max-connections${flag}): new ones are refused until some close`);
  }
}
