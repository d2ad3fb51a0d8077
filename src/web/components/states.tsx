/** The three states every live view has: loading, empty, error. */
import type { ReactNode } from "react";
import { useSocketBusy, type Live } from "../live.ts";

export function Loading({ what }: { what: string }) {
  return <p className="state" role="status" aria-live="polite">Loading {what}…</p>;
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="state empty">{children}</p>;
}

/** An error's words for the person: the stock client's wrapping ("[CONVEX Q(…)]", "Called by client") taken off. */
const inWords = (error: Error) => error.message.replace(/^\[CONVEX [^\]]*\]\s*/, "").replace(/\s*Called by client$/, "");

/** `id`: for the field it is about to name it as its description (aria-describedby). */
export function ErrorNote({ error, id }: { error: Error | string; id?: string }) {
  return <p className="state error" role="alert" id={id}>{typeof error === "string" ? error : inWords(error)}</p>;
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

/**
 * Renders a live query's value once it is there. Should the query fail after that (live.ts `failed`), the last value
 * stays, and so does all under it (a form, its words, the focus): a note above says so, in a status that is always
 * on the page (a screen reader hears it come, and the focus stays where it is), and goes with the next value.
 */
export function LiveView<T>({ live, what, children }: { live: Live<T>; what: string; children: (data: T) => ReactNode }) {
  if (live.status === "loading") return <LiveLoading what={what} />;
  if (live.status === "error") return <ErrorNote error={live.code === "NOT_FOUND" ? `Not found: this ${what} does not exist or is not yours.` : live.error} />;
  return (
    <>
      <p className="state stale" role="status" aria-live="polite">
        {live.stale && `Could not load the latest ${what} (${inWords(live.stale.error)}): showing what was last loaded, until the hub sends it again.`}
      </p>
      {children(live.data)}
    </>
  );
}
