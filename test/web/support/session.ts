/** Signing in to a test hub's web session over plain HTTP, as the sign-in page does. */
import WebSocket from "ws";
import { request, type Res, type TestHub } from "../../support/hub.ts";

export const CSRF = { "x-groupchat-csrf": "1" };

/** The code in a fresh sign-in link (`…/login#code=gcl_…`): the hub owner's, or another user's. */
export async function loginCode(t: TestHub, userId?: string): Promise<string> {
  if (userId) return (await t.hub.writer.run("issueLoginCode", { userId })).code;
  const link = await t.hub.loginLink();
  return decodeURIComponent(new URL(link).hash.replace(/^#code=/, ""));
}

export function redeem(t: TestHub, code: string, headers: Record<string, string> = CSRF): Promise<Res> {
  return request(`${t.baseUrl}/api/v1/session`, {
    method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify({ code }),
  });
}

/** Signs in (as the hub owner, or as `userId`); returns the Cookie header value for later requests. */
export async function signIn(t: TestHub, userId?: string): Promise<string> {
  const res = await redeem(t, await loginCode(t, userId));
  if (res.status !== 200) throw new Error(`sign-in: ${res.status} ${JSON.stringify(res.body)}`);
  const setCookie = res.headers.get("set-cookie") ?? "";
  return setCookie.split(";")[0]!;
}

/** Calls the owner API with the session cookie (and the CSRF header unless told otherwise). */
export function withCookie(t: TestHub, cookie: string, method: string, path: string, body?: unknown, headers: Record<string, string> = CSRF): Promise<Res> {
  const h: Record<string, string> = { cookie, ...headers };
  if (body !== undefined) h["content-type"] = "application/json";
  return request(`${t.baseUrl}/api/v1${path}`, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) });
}

/** A browser-like socket for the live queries: the cookie and Origin headers ride on the upgrade. */
export function browserSocket(headers: Record<string, string>): typeof globalThis.WebSocket {
  return class extends WebSocket {
    constructor(url: string) {
      super(url, { headers });
    }
  } as unknown as typeof globalThis.WebSocket;
}
