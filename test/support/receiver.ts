/**
 * A webhook receiver on loopback (node:http) for tests: records every request it gets, answers each as
 * `answer` says (a status, or never), and lets a test wait for requests rather than for time.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface Received {
  headers: IncomingHttpHeaders;
  raw: string;
  // Tests inspect arbitrary JSON.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  /** What it was answered (null: left hanging). */
  status: number | null;
}

/** A status to answer with, or "hang": no answer until the client gives up. */
export type Answer = number | "hang";

export interface Receiver {
  readonly url: string;
  readonly port: number;
  readonly received: Received[];
  /** How the next requests are answered (200 unless set); given the request, in arrival order. */
  answer: (request: Received, index: number) => Answer;
  /** Resolves once `n` requests (in all) that pass `filter` have come. */
  waitFor(n: number, filter?: (r: Received) => boolean): Promise<Received[]>;
  close(): Promise<void>;
}

export async function startReceiver(port = 0): Promise<Receiver> {
  const waiters = new Set<() => void>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const raw = Buffer.concat(chunks).toString("utf8");
      let body: unknown = raw;
      try {
        body = JSON.parse(raw);
      } catch {
        // not JSON: keep the text
      }
      const entry: Received = { headers: req.headers, raw, body, status: null };
      const answer = receiver.answer(entry, receiver.received.length);
      receiver.received.push(entry);
      if (answer !== "hang") {
        entry.status = answer;
        res.writeHead(answer, { "content-type": "text/plain" }).end("ok");
      }
      for (const wake of waiters) wake();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  const bound = (server.address() as AddressInfo).port;
  const receiver: Receiver = {
    url: `http://127.0.0.1:${bound}/hook`,
    port: bound,
    received: [],
    answer: () => 200,
    waitFor(n, filter = () => true) {
      return new Promise((resolve) => {
        const check = () => {
          const matching = receiver.received.filter(filter);
          if (matching.length < n) return;
          waiters.delete(check);
          resolve(matching);
        };
        waiters.add(check);
        check();
      });
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return receiver;
}

/** Whether the request carries a valid X-GroupChat-Signature of its raw body for `secret`. */
export function signedWith(request: Received, secret: string): boolean {
  const expected = Buffer.from(`sha256=${createHmac("sha256", secret).update(request.raw).digest("hex")}`);
  const given = Buffer.from(String(request.headers["x-groupchat-signature"] ?? ""));
  return given.length === expected.length && timingSafeEqual(given, expected);
}
