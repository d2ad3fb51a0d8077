/** The three states every live view has: loading, empty, error. */
import type { ReactNode } from "react";
import { useSocketBusy, type Live } from "../live.ts";

export function Loading({ what }: { what: string }) {
  return <p className="state" role="status" aria-live="polite">Loading {what}…</p>;
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="state empty">{children}</p>;
}

/** `id`: for the field it is about to name it as its description (aria-describedby). */
export function ErrorNote({ error, id }: { error: Error | string; id?: string }) {
  const message = typeof error === "string" ? error : error.message.replace(/^\[CONVEX [^\]]*\]\s*/, "").replace(/\s*Called by client$/, "");
  return <p className="state error" role="alert" id={id}>{message}</p>;
}

/**
 * A live query's value not there yet. While the hub turns the page's socket away (full, 1013) it will not come until
 * a retry gets in, which may take a while: the page says so rather than "Loading" on and on.
 */
function LiveLoading({ what }: { what: string }) {
  const busy = useSocketBusy();
  if (!busy) return <Loading what={what} />;
  return (
    <p className="state" role="status" aria-live="polite">
      Waiting for the hub: it is busy and has not let this page in yet. The {what} shows as soon as it does.
    </p>
  );
}

/** Renders a live query's value once it is there. */
export function LiveView<T>({ live, what, children }: { live: Live<T>; what: string; children: (data: T) => ReactNode }) {
  if (live.status === "loading") return <LiveLoading what={what} />;
  if (live.status === "error") return <ErrorNote error={live.code === "NOT_FOUND" ? `Not found: this ${what} does not exist or is not yours.` : live.error} />;
  return <>{children(live.data)}</>;
}
