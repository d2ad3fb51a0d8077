import { useEffect, useState } from "react";
import { isNoAnswer } from "../api.ts";
import { onHubReached } from "../hub-reached.ts";

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
  async function run(action: () => Promise<unknown>): Promise<boolean> {
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
