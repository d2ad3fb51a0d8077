/**
 * The web UI's session: redeem a one-time sign-in code for an HttpOnly cookie,
 * ask who is signed in, sign out. Bearer tokens play no part here.
 */
import { Type } from "typebox";
import { NPX } from "../../../invocation.ts";
import { ErrorBody } from "../../../sdk/types.ts";
import { forbidden, unauthorized } from "../../errors.ts";
import { isLoopback } from "../../realtime/connection-quota.ts";
import { sessionFromToken } from "../../services/sessions.ts";
import { challengeOn401, OWNER_CHALLENGE } from "../auth.ts";
import type { App, HttpDeps } from "../deps.ts";
import { clearedSessionCookie, CSRF_HEADER, passesCsrf, readCookie, SESSION_COOKIE, sessionCookie } from "../session-cookie.ts";

const SessionView = Type.Object({ userId: Type.String(), name: Type.String(), expiresAt: Type.Integer() });
const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody };
// Browser-only endpoints (cookie, not token): kept out of the token API's OpenAPI document, described in the README.
const tags = ["Session"];
const hide = true;

export function sessionRoutes(app: App, deps: HttpDeps): void {
  // Over https: the request's own, or the address people reach the hub by (--public-url), when a TLS proxy in front
  // speaks plain HTTP to it; the cookie then must not go out over http either.
  const viaHttps = deps.publicUrl?.startsWith("https:") === true;
  const secure = (protocol: string) => viaHttps || protocol === "https";
  // Its 401s (not signed in, a used-up code) ask for what the owner API's do.
  app.addHook("onSend", challengeOn401(OWNER_CHALLENGE));
  // Signing in changes state too: the CSRF header stops another site from signing a browser into its account.
  app.addHook("onRequest", async (request) => {
    if (!passesCsrf(request.method, request.headers)) throw forbidden(`Send ${CSRF_HEADER}: 1`);
  });

  app.post("/session", {
    schema: { hide, tags, summary: "Redeem a one-time sign-in code for a session cookie", body: Type.Object({ code: Type.String({ minLength: 1, maxLength: 512 }) }, { additionalProperties: false }), response: { 200: SessionView, ...errors } },
  }, async (request, reply) => {
    const { token, session } = await deps.writer.run("redeemLoginCode", { code: request.body.code });
    reply.header("set-cookie", sessionCookie(token, session.expiresAt - deps.clock(), secure(request.protocol)));
    reply.header("cache-control", "no-store");
    return { userId: session.userId, name: session.name, expiresAt: session.expiresAt };
  });

  app.post("/session/join", {
    schema: {
      hide, tags, summary: "Join a workspace with a one-time invite: as the person signed in, or as a new person by this name; opens a session",
      body: Type.Object({ code: Type.String({ minLength: 1, maxLength: 512 }), name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })) }, { additionalProperties: false }),
      response: { 200: Type.Intersect([SessionView, Type.Object({ workspaceId: Type.String() })]), ...errors },
    },
  }, async (request, reply) => {
    const signedIn = await sessionFromToken(deps.db, readCookie(request.headers.cookie, SESSION_COOKIE), deps.clock());
    const joiner = signedIn ? { signedIn } : { name: request.body.name ?? "" };
    const { session, workspaceId, opened } = await deps.writer.run("joinWithInvite", { code: request.body.code, joiner });
    if (opened) reply.header("set-cookie", sessionCookie(opened.token, session.expiresAt - deps.clock(), secure(request.protocol)));
    reply.header("cache-control", "no-store");
    return { userId: session.userId, name: session.name, expiresAt: session.expiresAt, workspaceId };
  });

  app.post("/session/link", {
    schema: { hide, tags, summary: "A one-time sign-in link (15 minutes) for the person signed in, to open on another device", response: { 201: Type.Object({ url: Type.String(), expiresAt: Type.Integer() }), ...errors } },
  }, async (request, reply) => {
    const session = await sessionFromToken(deps.db, readCookie(request.headers.cookie, SESSION_COOKIE), deps.clock());
    if (!session) throw unauthorized("Not signed in");
    const { code, expiresAt } = await deps.writer.run("issueLoginCode", { userId: session.userId });
    reply.code(201).header("cache-control", "no-store");
    return { url: `/login#code=${encodeURIComponent(code)}`, expiresAt };
  });

  // Public: the sign-in page asks it. The command names the data dir, a path on the hub's machine, so only a browser
  // there (a loopback peer, with no --public-url: behind a proxy on this host every peer is loopback) is told it;
  // any browser is told how this hub's CLI is run (`cli`), which names no path.
  app.get("/session/sign-in-help", {
    schema: { hide, tags, summary: "How to get a sign-in link: the hub login command, for a browser on the hub's machine", response: { 200: Type.Object({ command: Type.Union([Type.String(), Type.Null()]), cli: Type.String() }) } },
  }, async (request) => {
    const here = !deps.publicUrl && request.socket.remoteAddress !== undefined && isLoopback(request.socket.remoteAddress);
    return { command: here && deps.loginCommand ? deps.loginCommand() : null, cli: deps.cli ?? NPX.join(" ") };
  });

  app.get("/session", { schema: { hide, tags, summary: "Who the session cookie signs in", response: { 200: SessionView, ...errors } } }, async (request) => {
    const session = await sessionFromToken(deps.db, readCookie(request.headers.cookie, SESSION_COOKIE), deps.clock());
    if (!session) throw unauthorized("Not signed in");
    return { userId: session.userId, name: session.name, expiresAt: session.expiresAt };
  });

  app.delete("/session", { schema: { hide, tags, summary: "Sign out: the session stops working at once", response: { 204: Type.Null(), ...errors } } }, async (request, reply) => {
    const token = readCookie(request.headers.cookie, SESSION_COOKIE);
    if (token) await deps.writer.run("endSession", { token });
    reply.header("set-cookie", clearedSessionCookie(secure(request.protocol)));
    return reply.code(204).send(null);
  });
}
