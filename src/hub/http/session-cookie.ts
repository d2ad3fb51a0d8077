/**
 * The web session's cookie and the cross-site request rules that go with it.
 * The cookie is HttpOnly (page scripts never see the token) and SameSite=Strict
 * (no other site's page sends it); on top, every state-changing request that
 * authenticates by cookie must carry CSRF_HEADER, which a cross-site form cannot
 * set and a cross-site fetch cannot send without a CORS preflight we never grant.
 */
import type { IncomingHttpHeaders } from "node:http";

export const SESSION_COOKIE = "gc_session";
export const CSRF_HEADER = "x-groupchat-csrf";
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** One cookie's value from a Cookie header (the first, as browsers send the most specific first). */
export function readCookie(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    const value = part.slice(eq + 1).trim();
    try {
      return decodeURIComponent(value) || null;
    } catch {
      return null;
    }
  }
  return null;
}

export function sessionCookie(token: string, maxAgeMs: number, secure: boolean): string {
  const parts = [`${SESSION_COOKIE}=${token}`, "Path=/", "HttpOnly", "SameSite=Strict", `Max-Age=${Math.floor(maxAgeMs / 1000)}`];
  if (secure) parts.push("Secure");
  return parts.join("; ");
}

export function clearedSessionCookie(secure: boolean): string {
  return sessionCookie("", 0, secure);
}

/** A cookie-authenticated request may change state only with the CSRF header. */
export function passesCsrf(method: string, headers: IncomingHttpHeaders): boolean {
  return SAFE_METHODS.has(method.toUpperCase()) || headers[CSRF_HEADER] === "1";
}

/**
 * For the WebSocket upgrade, which SameSite does not cover in every browser:
 * a cookie counts only when the page that opened the socket is this origin:
 * the Host asked for, or `publicUrl`'s (a proxy in front may pass its own Host on).
 */
export function sameOrigin(headers: IncomingHttpHeaders, publicUrl: string | null = null): boolean {
  const origin = headers.origin;
  if (!origin) return true; // not a browser: it cannot have been tricked into sending our cookie
  try {
    const page = new URL(origin);
    return page.host === headers.host || (publicUrl !== null && page.origin === new URL(publicUrl).origin);
  } catch {
    return false;
  }
}
