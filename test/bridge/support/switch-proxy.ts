/**
 * A loopback HTTP proxy in front of the Agent API whose behaviour the test
 * switches: `up` forwards; `503` answers 503; `drop` closes the connection;
 * `lost-answer` forwards (the hub does the work) and then drops the answer.
 */
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";

export type ProxyMode = "up" | "503" | "drop" | "lost-answer";

export interface SwitchProxy {
  url: string;
  mode: ProxyMode;
  /** Requests that were not answered normally. */
  failed: number;
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function startSwitchProxy(targetBase: string, apiPath: string): Promise<SwitchProxy> {
  const proxy: SwitchProxy = { url: "", mode: "up", failed: 0, close: async () => {} };
  const server = createServer(async (req, res) => {
    const body = await readBody(req);
    const mode = proxy.mode;
    if (mode === "503") return void (proxy.failed++, res.writeHead(503, { "content-type": "application/json" }).end('{"error":"Service Unavailable"}'));
    if (mode === "drop") return void (proxy.failed++, req.socket.destroy());
    const headers: Record<string, string> = {};
    for (const name of ["authorization", "content-type", "idempotency-key", "accept"]) {
      const value = req.headers[name];
      if (typeof value === "string") headers[name] = value;
    }
    let upstream: Response;
    let text: string;
    try {
      upstream = await fetch(`${targetBase}${req.url}`, { method: req.method, headers, body: body.length > 0 ? body.toString("utf8") : undefined });
      text = await upstream.text();
    } catch {
      return void res.writeHead(502, { "content-type": "application/json" }).end('{"error":"Bad Gateway"}');
    }
    if (mode === "lost-answer") return void (proxy.failed++, req.socket.destroy());
    res.writeHead(upstream.status, { "content-type": upstream.headers.get("content-type") ?? "application/json" }).end(text);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${apiPath}`;
  proxy.close = () => new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
  return proxy;
}
