/**
 * A real HTTP proxy on loopback that misbehaves on cue: each request takes the
 * next fault from a script, and once the script is spent it forwards faithfully.
 * - `503`: answers 503 without forwarding
 * - `429`: answers 429 with `Retry-After: 1` without forwarding
 * - `drop`: closes the connection without forwarding
 * - `lost-answer`: forwards (the hub does the work) and then closes the
 *   connection instead of answering: the case idempotency keys exist for.
 */
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";

export type Fault = "503" | "429" | "drop" | "lost-answer";

export interface FlakyProxy {
  /** The proxy's URL with the target's path, e.g. `http://127.0.0.1:P/api/v1/agent`. */
  url: string;
  /** Requests seen, as "METHOD /path → what happened". */
  log: string[];
  faults: Array<Fault | null>;
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function startFlakyProxy(targetBase: string, apiPath: string, faults: Array<Fault | null> = []): Promise<FlakyProxy> {
  const log: string[] = [];
  const proxy: FlakyProxy = { url: "", log, faults, close: async () => {} };
  const server = createServer(async (req, res) => {
    const body = await readBody(req);
    const fault = proxy.faults.shift();
    const what = `${req.method} ${req.url}`;
    log.push(`${what} → ${fault ?? "forwarded"}`);
    if (fault === "503") return void res.writeHead(503, { "content-type": "application/json" }).end('{"error":"Service Unavailable"}');
    if (fault === "429") return void res.writeHead(429, { "content-type": "application/json", "retry-after": "1" }).end('{"error":"Too Many Requests"}');
    if (fault === "drop") return void req.socket.destroy();
    const headers: Record<string, string> = {};
    for (const name of ["authorization", "content-type", "idempotency-key", "accept"]) {
      const value = req.headers[name];
      if (typeof value === "string") headers[name] = value;
    }
    const upstream = await fetch(`${targetBase}${req.url}`, { method: req.method, headers, body: body.length > 0 ? body.toString("utf8") : undefined });
    const text = await upstream.text();
    if (fault === "lost-answer") return void req.socket.destroy();
    res.writeHead(upstream.status, { "content-type": upstream.headers.get("content-type") ?? "application/json" }).end(text);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  proxy.url = `http://127.0.0.1:${port}${apiPath}`;
  proxy.close = () => new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
  return proxy;
}
