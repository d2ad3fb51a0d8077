/**
 * The small HTTP server both the hub and the bridge serve their Prometheus
 * metrics on (`/metrics`, and `/healthz` for a liveness probe), on an address
 * of its own: what a scrape reads never shares a port, or a URL space, with the API.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** What is served at `/metrics`: prom-client's Registry is one, and so is the bridge's hand-written exposition. */
export interface Exposition {
  readonly contentType: string;
  metrics(): string | Promise<string>;
}

export interface MetricsServer {
  readonly server: Server;
  /** Where `/metrics` is, with the port it got (a port 0 asked for any free one). */
  readonly url: string;
  /** Stops listening and ends open scrapes. Idempotent. */
  close(): Promise<void>;
}

/** Serves `exposition` on host:port; rejects with the listen error (EADDRINUSE, …) as Node raised it. */
export async function serveMetrics(exposition: Exposition, host: string, port: number): Promise<MetricsServer> {
  const server = createServer((req, res) => {
    const path = (req.url ?? "").split("?")[0];
    if (path === "/healthz") return void res.writeHead(200, { "content-type": "text/plain" }).end("ok\n");
    if (path !== "/metrics") return void res.writeHead(404).end();
    Promise.resolve()
      .then(() => exposition.metrics())
      .then(
        (text) => res.writeHead(200, { "content-type": exposition.contentType }).end(text),
        // A failed collection says only that it failed: its message could name what the metrics never show.
        () => res.writeHead(500, { "content-type": "text/plain" }).end("metrics could not be collected\n"),
      );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  let closing: Promise<void> | null = null;
  return {
    server,
    url: `http://${host.includes(":") ? `[${host}]` : host}:${address.port}/metrics`,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        // A scraper's keep-alive connection would hold close() open until it timed out.
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
