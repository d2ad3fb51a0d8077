import { Ajv, type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import Fastify, { LogController } from "fastify";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import { IsOptional } from "typebox";
import { HubError, unavailable } from "../errors.ts";
import { UNMATCHED, type HubMetrics } from "../metrics/hub-metrics.ts";
import { AllowedMethods } from "./allowed-methods.ts";
import type { App, HttpDeps } from "./deps.ts";
import { clientErrorHandler, errorHandler, expectationFailed } from "./errors.ts";
import { jsonBody } from "./json-body.ts";
import { OpenApiCollector } from "./openapi.ts";
import { agentApi } from "./routes/agent-api.ts";
import { convexHttpRoutes } from "./routes/convex-http.ts";
import { ownerApi } from "./routes/owner-api.ts";
import { sessionRoutes } from "./routes/session.ts";
import { fileRoutes } from "./routes/uploads.ts";
import { isUiPath, webUi, type UiHandler } from "./web.ts";
import type { ProxyTrust } from "./trust-proxy.ts";
import { checkEmptyUrlIds, checkUrlIds } from "./url-ids.ts";

export const BODY_LIMIT = 1024 * 1024;

export interface AppOptions {
  /** Fastify's logger: its level, and where lines go (stdout unless a stream is given). */
  logger?: boolean | { level: string; stream?: { write(line: string): void } };
  version?: string;
  /** The built web UI (dist/web by default). */
  webDir?: string;
  /** Counts every answered request (off: no hook at all). */
  metrics?: Pick<HubMetrics, "request">;
  /** `--trust-proxy`: the peers whose X-Forwarded-For, -Proto and -Host requests are read by (none by default). */
  trustProxy?: ProxyTrust | null;
}

/**
 * Fastify's own "Server listening at …" line goes at debug: at the default level what the hub prints when it
 * starts is the CLI's own lines, which say where it listens (and the URLs to use) in words.
 */
function listenLineAtDebug(logger: NonNullable<AppOptions["logger"]>): AppOptions["logger"] {
  if (typeof logger !== "object") return logger;
  const hooks = {
    logMethod(this: { debug(...args: unknown[]): void }, args: unknown[], method: (...args: unknown[]) => void, level: number) {
      if (level === INFO && typeof args[0] === "string" && args[0].startsWith("Server listening at ")) return this.debug(...args);
      method.apply(this, args);
    },
  };
  return { ...logger, hooks } as AppOptions["logger"];
}

/** pino's number for "info". */
const INFO = 30;

/**
 * Builds the hub's HTTP app: one Fastify instance, the agent API at
 * /api/v1/agent, the owner API and the web session at /api/v1, the web UI at /,
 * one error handler for all.
 */
export function buildApp(deps: HttpDeps, options: AppOptions = {}): App {
  const app = Fastify({
    logger: listenLineAtDebug(options.logger ?? false),
    bodyLimit: BODY_LIMIT,
    // Per-request lines are off: they cost throughput, and headers (tokens) must never be logged.
    logController: new LogController({ disableRequestLogging: true }),
    // No child logger per request (a pino child costs ~1 % of a request); the
    // one line a request may log (a 500) names its reqId itself.
    childLoggerFactory: (logger) => logger,
    forceCloseConnections: true,
    // Fastify's own 503 while closing has a body of its own and no Retry-After: the hook below answers instead.
    return503OnClosing: false,
    // A client given the hub's URL with a trailing slash asks `//api/query` (ConvexHttpClient), `//api/v1/agent/me` (curl
    // scripts): every path is routed as it is with its repeated slashes made one, the whole app alike.
    routerOptions: { maxParamLength: 200, ignoreDuplicateSlashes: true },
    ...(options.trustProxy ? { trustProxy: options.trustProxy } : {}),
    clientErrorHandler,
    // The router's own rejections (an over-long id, a malformed URL) get the same `{ error }` bodies; a page
    // address with a broken %-escape gets the app (with 400), which says so in words.
    frameworkErrors: (error, request, reply) => {
      if (error.code === "FST_ERR_BAD_URL" && (request.method === "GET" || request.method === "HEAD") && isUiPath(request.url)) {
        return ui(request, reply, true);
      }
      return errorHandler(error, request, reply);
    },
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.server.on("checkExpectation", expectationFailed);
  // Set below, once the static files are registered: frameworkErrors above needs it.
  let ui: UiHandler = (_request, reply) => reply.send();

  // Bodies are checked strictly ("5" is not a number); query strings and headers are text, so coerce them.
  const strict = new Ajv({ allErrors: false, strict: false, coerceTypes: false, useDefaults: true, removeAdditional: false });
  const coercing = new Ajv({ allErrors: false, strict: false, coerceTypes: true, useDefaults: true, removeAdditional: false });
  // "date" checks the calendar too: 2030-02-30 is not a due date.
  for (const ajv of [strict, coercing]) addFormats.default(ajv, ["date"]);
  app.setValidatorCompiler(({ schema, httpPart }) => {
    const validate = (httpPart === "body" ? strict : coercing).compile(schema as object);
    return (httpPart === "body" && IsOptional(schema) ? absentOk(validate) : validate) as never;
  });

  jsonBody(app as App, BODY_LIMIT);

  const metrics = options.metrics;
  if (metrics) {
    // The route's pattern, never the URL: ids, and invite or sign-in codes, stand in paths.
    app.addHook("onResponse", (request, reply, done) => {
      metrics.request(request.method, request.routeOptions.url ?? UNMATCHED, reply.statusCode, reply.elapsedTime / 1000);
      done();
    });
  }

  // A request that reaches the router once close() began (one sent on a kept-alive connection before
  // the connections are ended) is refused like any 503: `{ error }`, Retry-After, and the connection closed.
  let closing = false;
  app.addHook("preClose", (done) => {
    closing = true;
    done();
  });
  app.addHook("onRequest", (_request, reply, done) => {
    if (!closing) return done();
    reply.header("connection", "close");
    done(unavailable("The hub is shutting down; try again shortly", 2));
  });

  const openapi = new OpenApiCollector();
  app.addHook("onRoute", openapi.onRoute);
  const allowed = new AllowedMethods();
  app.addHook("onRoute", allowed.onRoute);
  app.setErrorHandler(errorHandler);
  app.addHook("preValidation", checkEmptyUrlIds);
  app.addHook("preHandler", checkUrlIds);
  ui = webUi(app, options.webDir);
  app.setNotFoundHandler((request, reply) => {
    // The UI's own routes (/tasks/…, /agents) are client-side: those page GETs get the app.
    if ((request.method === "GET" || request.method === "HEAD") && isUiPath(request.url)) return ui(request, reply);
    const path = request.url.split("?")[0];
    const methods = allowed.of(request.url);
    if (methods.length > 0) {
      reply.header("allow", methods.join(", "));
      throw new HubError("method_not_allowed", `${request.method} is not allowed on ${path} (it takes ${methods.join(", ")})`);
    }
    return reply.code(404).send({ error: `No route for ${request.method} ${path}` });
  });

  app.register(async (scoped) => agentApi(scoped as App, deps), { prefix: "/api/v1/agent" });
  app.register(async (scoped) => ownerApi(scoped as App, deps), { prefix: "/api/v1" });
  app.register(async (scoped) => sessionRoutes(scoped as App, deps), { prefix: "/api/v1" });
  app.register(async (scoped) => fileRoutes(scoped as App, deps));
  app.register(async (scoped) => convexHttpRoutes(scoped as App, deps));
  app.get("/api/v1/openapi.json", { schema: { hide: true } as never }, async () =>
    openapi.document({ title: "openclaw-groupchat hub", version: options.version ?? "0.1.0" }));
  app.get("/healthz", { schema: { hide: true } as never }, async () => ({ ok: true }));
  return app;
}

/**
 * An optional body (`Type.Optional`) may be left out: `curl -X POST .../start` and a
 * bare heartbeat send none, and Fastify hands the validator null for it.
 */
function absentOk(validate: ValidateFunction) {
  const check = (data: unknown): boolean => {
    if (data === null) return true;
    const ok = validate(data);
    check.errors = validate.errors;
    return ok;
  };
  check.errors = validate.errors;
  return check;
}
