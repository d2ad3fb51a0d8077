/**
 * `--trust-proxy`: which direct peers are proxies whose `X-Forwarded-For` (and `-Proto`, `-Host`) the hub believes.
 * Fastify's `trustProxy` reads them for HTTP requests; `clientAddress` reads them the same way for the sync
 * endpoint's WebSocket upgrade, which Fastify never sees. Both use one trust function, from `@fastify/proxy-addr`.
 */
import type { IncomingMessage } from "node:http";
import proxyAddr from "@fastify/proxy-addr";

/** Off (the default), every peer (`true`), or the peers in these addresses, CIDRs and names (`loopback`, `uniquelocal`…). */
export type TrustProxy = boolean | readonly string[];

/** Is the hop at `address` (0: the direct peer, then leftwards along X-Forwarded-For) a proxy to believe? */
export type ProxyTrust = (address: string, hop: number) => boolean;

/** The trust function, null when no proxy is trusted; throws a TypeError naming an address or CIDR it cannot read. */
export function proxyTrust(trust: TrustProxy): ProxyTrust | null {
  if (trust === false) return null;
  if (trust === true) return () => true;
  return proxyAddr.compile([...trust]);
}

/**
 * The client's address: the direct peer's, or, when that is a trusted proxy, the nearest address in X-Forwarded-For
 * that is not a trusted proxy itself (undefined once the socket is gone).
 */
export function clientAddress(request: IncomingMessage, trust: ProxyTrust | null): string | undefined {
  return trust === null ? request.socket.remoteAddress : proxyAddr(request, trust);
}
