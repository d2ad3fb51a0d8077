/**
 * Sockets per key, up to a bound: per remote address (--sync-max-connections-per-ip) and per principal, the agent
 * or person a socket authenticated as (--sync-max-connections-per-principal), so one leaked token or one host cannot
 * take the whole of --sync-max-connections. Like ConnectionLimit, a refusal is worth a warning once per spell per
 * key, which ends once a tenth of that key's sockets (at least one) have closed.
 */
import type { Admission } from "./connection-limit.ts";

export class ConnectionQuota {
  private readonly open = new Map<string, number>();
  /** Keys in a spell of refusals. At most one per `max` open sockets: each is at its bound. */
  private readonly refusing = new Set<string>();

  constructor(readonly max: number) {}

  /** A socket for `key`: counted when served (the caller releases it once), not counted when refused. */
  take(key: string): Admission {
    const open = this.open.get(key) ?? 0;
    if (open < this.max) {
      this.open.set(key, open + 1);
      return "serve";
    }
    if (this.refusing.has(key)) return "refuse";
    this.refusing.add(key);
    return "refuse and warn";
  }

  /** A served socket of `key` closed. */
  release(key: string): void {
    const open = (this.open.get(key) ?? 1) - 1;
    if (open > 0) this.open.set(key, open);
    else this.open.delete(key);
    if (open <= this.max - Math.max(1, Math.floor(this.max / 10))) this.refusing.delete(key);
  }

  /** Sockets counted for `key` now. */
  count(key: string): number {
    return this.open.get(key) ?? 0;
  }
}

/** Loopback peers (this host: the bridge, a reverse proxy, tests) are not held to the per-address bound. */
export function isLoopback(address: string): boolean {
  return address === "::1" || address.startsWith("127.") || address.startsWith("::ffff:127.");
}
