import { useEffect, useRef, useState } from "react";
import { isNoAnswer } from "../api.ts";
import { onHubReached } from "../hub-reached.ts";
import { focusIf, focusLost } from "./focus.ts";

interface Failure {
  message: string;
  /** No answer of the hub's came (it was down, the network gone, a proxy's 502): true of then, not of now. */
  unreachable: boolean;
}

/**
 * A button's async action: busy while it runs, its error kept for display. An error that the hub could not
 * be reached goes by itself once a later request reaches it (this page's or another's): it is no longer so.
 */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<Failure | null>(null);
  useEffect(() => (failure?.unreachable ? onHubReached(() => setFailure(null)) : undefined), [failure]);
  // The control the action was started from: disabled while it runs (as most are), it loses the focus to the page's
  // body. It gets it back once the action is over, unless something else took it meanwhile.
  const startedFrom = useRef<Element | null>(null);
  useEffect(() => {
    if (busy || !startedFrom.current) return;
    const from = startedFrom.current;
    startedFrom.current = null;
    if (focusLost()) focusIf(from);
  }, [busy]);
  async function run(action: () => Promise<unknown>): Promise<boolean> {
    startedFrom.current = document.activeElement;
    setBusy(true);
    setFailure(null);
    try {
      await action();
      return true;
    } catch (e) {
      setFailure({ message: (e as Error).message, unreachable: isNoAnswer(e) });
      return false;
    } finally {
      setBusy(false);
    }
  }
  return { busy, error: failure?.message ?? null, run };
}

export type Action = ReturnType<typeof useAction>;
