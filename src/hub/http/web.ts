/**
 * The owner's web UI: the Vite build in dist/web, served at `/` with an SPA
 * fallback (any other GET outside /api/ gets index.html). API and sync routes
 * are registered first and stay untouched.
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import fastifyStatic from "@fastify/static";
import type { FastifyReply, FastifyRequest } from "fastify";
import { packageRoot } from "../../package-root.ts";
import type { App } from "./deps.ts";

export const DEFAULT_WEB_DIR = join(packageRoot(import.meta.url), "dist", "web");

// The bundle loads only its own scripts and styles; images in tasks may come from anywhere over https.
const CSP = "default-src 'self'; img-src 'self' https: data: blob:; style-src 'self' 'unsafe-inline'; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

/**
 * Answers a page request with the app. `badAddress`: the router refused the URL (a broken %-escape),
 * so the reply is a bare one, without @fastify/static's sendFile; the app comes with 400 and says so.
 */
export type UiHandler = (request: FastifyRequest, reply: FastifyReply, badAddress?: boolean) => unknown;

export function webUi(app: App, webDir: string = DEFAULT_WEB_DIR): UiHandler {
  const built = existsSync(join(webDir, "index.html"));
  if (built) {
    app.register(fastifyStatic, {
      root: webDir, prefix: "/", wildcard: false, index: false, schemaHide: true,
      setHeaders(res, path) {
        // Hashed file names never change content; everything else is revalidated.
        res.setHeader("cache-control", path.includes(`${join("web", "assets")}`) ? "public, max-age=31536000, immutable" : "no-cache");
      },
    });
  }
  return async (_request, reply, badAddress = false) => {
    reply.header("content-security-policy", CSP).header("x-content-type-options", "nosniff").header("referrer-policy", "no-referrer");
    if (!built) {
      return reply.code(503).type("text/html").send("<!doctype html><title>GroupChat</title><p>The web UI is not built. Run <code>npm run build:web</code>.</p>");
    }
    reply.header("cache-control", "no-cache");
    if (badAddress) return reply.code(400).type("text/html; charset=utf-8").send(await readFile(join(webDir, "index.html")));
    return reply.sendFile("index.html");
  };
}

/** The UI's client-side routes (src/web/router.ts); any other unknown path stays a JSON 404. */
const UI_ROUTES = /^\/(?:|login|join|agents|runs|tokens|notifications|projects\/[^/]+|tasks\/[^/]+)$/;

export function isUiPath(url: string): boolean {
  return UI_ROUTES.test(url.split("?")[0]!.replace(/\/+/g, "/"));
}
