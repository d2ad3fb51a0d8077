/**
 * A real HTTP proxy on loopback in front of a real server (a test hub), which forwards every request unless told
 * otherwise: `answer(status, n, match)` has it answer the next `n` matching requests itself, and `decide` (given
 * at the start) picks a fault per request. The SDK's and the bridge's fault proxies are built on it.
 * - `{ status }`: answers that status with `{ "error": … }`, without forwarding
 * - `"drop"`: closes the connection without forwarding
 * - `"lost-answer"`: forwards (the server does the work) and then closes the connection instead of answering
 * - `"hang"`: never answers (the connection is closed with the proxy)
 */
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";

export type ProxyAction = { status: number; headers?: Record<string, string> } | "drop" | "lost-answer" | "hang" | "forward";

export interface ProxyRequest {
  method: string;
  /** The path and query below the target's base URL, e.g. `/api/v1/agent/runs/r1/comment`. */
  path: string;
}

export interface ForwardProxy {
  /** The proxy's URL with the API's path, e.g. `http://127.0.0.1:P/api/v1/agent`. */
  url: string;
  /** Requests seen, as "METHOD /path → status" (forwarded ones with the server's status), "→ drop", "→ lost-answer" or "→ hang". */
  log: string[];
  /**
   * Answers `status` (with `headers`) itself to the next `n` requests that `match` (all by default), then forwards
   * them again.
   */
  answer(status: number, n: number, match?: (request: ProxyRequest) => boolean, headers?: Record<string, string>): void;
  /** Leaves the next `n` requests that `match` unanswered (until the proxy closes), then forwards them again. */
  hang(n: number, match?: (request: ProxyRequest) => boolean): void;
  close(): Promise<void>;
}

const REASONS: Record<number, string> = {
  404: "Not Found", 405: "Method Not Allowed", 429: "Too Many Requests", 503: "Service Unavailable",
};

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function startForwardProxy(
  targetBase: string, apiPath: string, decide: (request: ProxyRequest) => ProxyAction = () => "forward",
): Promise<ForwardProxy> {
  const scripted: Array<{ action: ProxyAction; left: number; match: (request: ProxyRequest) => boolean }> = [];
  const log: string[] = [];
  const pick = (request: ProxyRequest): ProxyAction => {
    const cue = scripted.find((s) => s.left > 0 && s.match(request));
    if (!cue) return decide(request);
    cue.left--;
    return cue.action;
  };
  const server = createServer(async (req, res) => {
    const body = await readBody(req);
    const request = { method: req.method ?? "GET", path: req.url ?? "/" };
    const action = pick(request);
    const what = `${request.method} ${request.path} →`;
    if (typeof action === "object") {
      log.push(`${what} ${action.status}`);
      const error = JSON.stringify({ error: REASONS[action.status] ?? `HTTP ${action.status}` });
      return void res.writeHead(action.status, { "content-type": "application/json", ...action.headers }).end(error);
    }
    if (action === "drop") return void (log.push(`${what} drop`), req.socket.destroy());
    if (action === "hang") return void log.push(`${what} hang`);
    const headers: Record<string, string> = {};
    for (const name of ["authorization", "content-type", "idempotency-key", "accept"]) {
      const value = req.headers[name];
      if (typeof value === "string") headers[name] = value;
    }
    let upstream: Response;
    let text: string;
    try {
      upstream = await fetch(`${targetBase}${request.path}`, { method: request.method, headers, body: body.length > 0 ? body.toString("utf8") : undefined });
      text = await upstream.text();
    } catch {
      log.push(`${what} 502`);
      return void res.writeHead(502, { "content-type": "application/json" }).end('{"error":"Bad Gateway"}');
    }
    if (action === "lost-answer") return void (log.push(`${what} lost-answer`), req.socket.destroy());
    log.push(`${what} ${upstream.status}`);
    res.writeHead(upstream.status, { "content-type": upstream.headers.get("content-type") ?? "application/json" }).end(text);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}${apiPath}`,
    log,
    answer: (status, n, match = () => true, headers) => void scripted.push({ action: { status, headers }, left: n, match }),
    hang: (n, match = () => true) => void scripted.push({ action: "hang", left: n, match }),
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
