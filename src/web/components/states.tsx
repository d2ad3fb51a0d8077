/** The three states every live view has: loading, empty, error. */
import type { ReactNode } from "react";
import type { Live } from "../live.ts";

export function Loading({ what }: { what: string }) {
  return <p className="state" role="status" aria-live="polite">Loading {what}…</p>;
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="state empty">{children}</p>;
}

export function ErrorNote({ error }: { error: Error | string }) {
  const message = typeof error === "string" ? error : error.message.replace(/^\[CONVEX [^\]]*\]\s*/, "").replace(/\s*Called by client$/, "");
  return <p className="state error" role="alert">{message}</p>;
}

/** Renders a live query's value once it is there. */
export function LiveView<T>({ live, what, children }: { live: Live<T>; what: string; children: (data: T) => ReactNode }) {
  if (live.status === "loading") return <Loading what={what} />;
  if (live.status === "error") return <ErrorNote error={live.code === "NOT_FOUND" ? `Not found: this ${what} does not exist or is not yours.` : live.error} />;
  return <>{children(live.data)}</>;
}
