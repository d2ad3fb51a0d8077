/** A live query's state on the page, and what a failure makes of it: pure, no client or React here (live.ts uses it). */

/** A live query's failure: what the hub said, and its `code` (NOT_FOUND, UNAUTHORIZED, INTERNAL, …) when it gave one. */
export interface LiveError { error: Error; code: string | null }

/**
 * A live query's state. `stale`: the value shown is the last one that came, the query having failed since (the hub
 * could not read it, for a while); it goes with the next value.
 */
export type Live<T> = { status: "loading" } | { status: "ready"; data: T; stale?: LiveError } | ({ status: "error" } & LiveError);

/** The failures that mean the thing itself is gone, or no longer the person's to see: the page goes on without it. */
const GONE = new Set(["NOT_FOUND", "UNAUTHORIZED"]);

/**
 * What a live query's failure makes of its state: once a value was shown, it stays on screen, stale (with what
 * was typed in forms under it), unless the failure says the thing is gone; before any, the failure is what shows.
 */
export function failed<T>(state: Live<T>, failure: LiveError): Live<T> {
  if (state.status === "ready" && !GONE.has(failure.code ?? "")) return { status: "ready", data: state.data, stale: failure };
  return { status: "error", ...failure };
}
