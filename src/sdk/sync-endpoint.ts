/**
 * Is `convexUrl` a real-time sync endpoint? The stock `convex` client connects to `<convexUrl>/api/<version>/sync`
 * and, when that upgrade is answered with anything but 101, only tries again, forever and in silence: an agent
 * given the Agent API's URL (`…/api/v1/agent`) there just polls, and nobody is told why runs come late. Our hub
 * answers such a path 404 `{ "error": "No real-time endpoint at this path" }`; hosted GroupChat's web app and API
 * answer it with their own 404 (or 401) page, a Convex deployment that does not exist with a 404. So a source
 * whose socket never connected asks once itself (`probeSyncEndpoint`: one upgrade request, its answer read) and
 * `judgeSyncAnswer` decides: a 101 is a sync endpoint; any other HTTP answer but a passing one (408, 429, 5xx)
 * means nothing there speaks the protocol; no answer (refused, timed out) says nothing.
 */
import { randomBytes } from "node:crypto";
import { request as httpRequest, type ClientRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { version as CONVEX_VERSION } from "convex";
import { clip } from "./clip.ts";

/** What the sync path answered an upgrade with. */
export type SyncAnswer =
  | { kind: "upgraded" }
  | { kind: "http"; status: number; said?: string }
  | { kind: "unreachable"; error: unknown };

export type SyncVerdict = "sync" | "not_sync" | "unsure";

/** The URL the stock client opens its socket on, as http(s) (`…/api/<version>/sync`). */
export function syncPathUrl(convexUrl: string): string {
  return `${convexUrl.replace(/\/+$/, "")}/api/${CONVEX_VERSION}/sync`;
}

export function judgeSyncAnswer(answer: SyncAnswer): SyncVerdict {
  switch (answer.kind) {
    case "upgraded":
      return "sync";
    case "http":
      // Busy or failing for now (a restart, a proxy in front): asked again at a later failure.
      return answer.status === 408 || answer.status === 429 || answer.status >= 500 ? "unsure" : "not_sync";
    case "unreachable":
      return "unsure";
    default:
      return answer satisfies never;
  }
}

/** The likely mistake behind a `convexUrl` that is no sync endpoint, and the fix. */
export function likelyMistake(convexUrl: string): string {
  const example = "https://<deployment>.convex.cloud for hosted GroupChat, the hub's own base URL (http://host:3210) for ours";
  let url: URL;
  try {
    url = new URL(convexUrl);
  } catch {
    return `It is not a URL; it should be ${example}.`;
  }
  const path = url.pathname.replace(/\/+$/, "");
  if (/\/api\/v\d+(\/agent)?$/.test(path)) {
    return `It looks like the Agent API's URL (GROUPCHAT_API_URL); the real-time URL has no path: ${example}.`;
  }
  if (url.hostname.endsWith(".convex.site")) return "That is the deployment's HTTP actions host; its real-time URL ends in .convex.cloud.";
  if (path) return `The real-time URL has no path (not ${path}): ${example}.`;
  return `Check that it is the real-time URL: ${example}.`;
}

/** `convexUrl` does not serve the real-time sync protocol: runs come only by polling. */
export class NotSyncEndpointError extends Error {
  override readonly name = "NotSyncEndpointError";
  readonly code = "not_sync_endpoint";
  readonly convexUrl: string;
  /** The HTTP status its sync path answered, or null when the client refused the URL itself. */
  readonly httpStatus: number | null;
  /** What was found, e.g. `its sync path (…) answered the WebSocket upgrade with HTTP 404 ("…")`. */
  readonly found: string;
  /** The likely mistake, and the fix. */
  readonly hint: string;

  constructor(convexUrl: string, answer: { status: number; said?: string } | { refused: string }) {
    const found = "refused" in answer
      ? `the real-time client refuses it (${answer.refused.split("\n")[0]})`
      : `its sync path (${syncPathUrl(convexUrl)}) answered the WebSocket upgrade with HTTP ${answer.status}${answer.said ? ` (${JSON.stringify(answer.said)})` : ""}`;
    const hint = likelyMistake(convexUrl);
    super(`convexUrl (GROUPCHAT_CONVEX_URL) ${convexUrl} is not a real-time sync endpoint: ${found}. ${hint} Runs are picked up by polling meanwhile.`);
    this.convexUrl = convexUrl;
    this.httpStatus = "refused" in answer ? null : answer.status;
    this.found = found;
    this.hint = hint;
  }
}

export function isNotSyncEndpoint(error: unknown): error is NotSyncEndpointError {
  return error instanceof NotSyncEndpointError;
}

/** Sends one WebSocket upgrade to `convexUrl`'s sync path and tells what came back; never rejects. */
export function probeSyncEndpoint(convexUrl: string, signal: AbortSignal, timeoutMs = 10_000): Promise<SyncAnswer> {
  return new Promise((resolve) => {
    let request: ClientRequest | undefined;
    const done = (answer: SyncAnswer) => {
      resolve(answer);
      request?.destroy();
    };
    try {
      const url = new URL(syncPathUrl(convexUrl));
      const send = url.protocol === "https:" ? httpsRequest : httpRequest;
      request = send(url, {
        method: "GET", signal, timeout: timeoutMs,
        headers: { connection: "Upgrade", upgrade: "websocket", "sec-websocket-version": "13", "sec-websocket-key": randomBytes(16).toString("base64") },
      });
    } catch (error) {
      return resolve({ kind: "unreachable", error });
    }
    const sent = request;
    sent.on("upgrade", (_response, socket) => (socket.destroy(), done({ kind: "upgraded" })));
    sent.on("response", (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const answered = () => done({ kind: "http", status: response.statusCode ?? 0, said: saidIn(Buffer.concat(chunks).toString("utf8")) });
      response.on("data", (chunk: Buffer) => {
        chunks.push(chunk);
        if ((size += chunk.length) > 4_096) answered();
      });
      response.on("end", answered);
      response.on("error", answered);
    });
    sent.on("timeout", () => done({ kind: "unreachable", error: new Error(`no answer within ${timeoutMs} ms`) }));
    sent.on("error", (error) => done({ kind: "unreachable", error }));
    sent.end();
  });
}

/** What an answer's body says, when it is the usual `{ "error": "…" }`. */
function saidIn(body: string): string | undefined {
  try {
    const error = (JSON.parse(body) as { error?: unknown } | null)?.error;
    return typeof error === "string" && error ? clip(error, 200) : undefined;
  } catch {
    return undefined;
  }
}
