/**
 * The hub's few typed errors. Each HubError has a stable `code` and an HTTP
 * status; one handler (http/errors.ts) turns them into `{ "error": ... }`
 * responses. A HubStartError is what keeps the hub from starting (the CLI
 * prints its message and exits 1).
 */
import type { RunStatus } from "../sdk/run-state.ts";

export type HubErrorCode =
  | "bad_request"
  | "unauthorized"
  | "forbidden"
  | "not_found"
  | "method_not_allowed"
  | "conflict"
  | "unprocessable"
  | "payload_too_large"
  | "unsupported_media_type"
  | "unavailable";

const STATUS: Record<HubErrorCode, number> = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  unprocessable: 422,
  payload_too_large: 413,
  unsupported_media_type: 415,
  unavailable: 503,
};

export class HubError extends Error {
  override readonly name = "HubError";
  readonly status: number;
  constructor(
    readonly code: HubErrorCode,
    message: string,
    /** Extra fields for the response body, e.g. a run's current `status` on a 409. */
    readonly extra: Record<string, unknown> = {},
    options?: ErrorOptions,
    /** For a 503: when to try again (sent as `Retry-After`). */
    readonly retryAfterSeconds?: number,
  ) {
    super(message, options);
    this.status = STATUS[code];
  }
}

export const badRequest = (message: string) => new HubError("bad_request", message);
export const unauthorized = (message = "Invalid or missing token") => new HubError("unauthorized", message);
export const forbidden = (message: string) => new HubError("forbidden", message);
export const notFound = (what: string) => new HubError("not_found", `${what} not found`);
export const conflict = (message: string, extra: Record<string, unknown> = {}) => new HubError("conflict", message, extra);
export const runConflict = (action: string, status: RunStatus) =>
  conflict(`Cannot ${action} a run that is ${status}`, { status });
export const unprocessable = (message: string) => new HubError("unprocessable", message);
/** Overloaded for now: the client should retry after `retryAfterSeconds`. */
export const unavailable = (message: string, retryAfterSeconds = 1) =>
  new HubError("unavailable", message, {}, undefined, retryAfterSeconds);

/** The hub cannot start: its data dir is held by another hub or unreadable, or its address is taken. */
export class HubStartError extends Error {
  override readonly name = "HubStartError";
}
