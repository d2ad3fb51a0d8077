/**
 * A real HTTP proxy on loopback that misbehaves on cue: each request takes the
 * next fault from a script, and once the script is spent it forwards faithfully.
 * - `503`: answers 503 without forwarding
 * - `429`: answers 429 with `Retry-After: 1` without forwarding
 * - `drop`: closes the connection without forwarding
 * - `lost-answer`: forwards (the hub does the work) and then closes the
 *   connection instead of answering: the case idempotency keys exist for.
 */
import { startForwardProxy, type ProxyAction } from "../../support/forward.ts";

export type Fault = "503" | "429" | "drop" | "lost-answer";

export interface FlakyProxy {
  /** The proxy's URL with the target's path, e.g. `http://127.0.0.1:P/api/v1/agent`. */
  url: string;
  /** Requests seen, as "METHOD /path → what happened". */
  log: string[];
  faults: Array<Fault | null>;
  close(): Promise<void>;
}

const ACTIONS: Record<Fault, ProxyAction> = {
  "503": { status: 503 }, "429": { status: 429, headers: { "retry-after": "1" } }, drop: "drop", "lost-answer": "lost-answer",
};

export async function startFlakyProxy(targetBase: string, apiPath: string, faults: Array<Fault | null> = []): Promise<FlakyProxy> {
  const proxy: FlakyProxy = { url: "", log: [], faults, close: async () => {} };
  const forward = await startForwardProxy(targetBase, apiPath, () => {
    const fault = proxy.faults.shift();
    return fault ? ACTIONS[fault] : "forward";
  });
  return Object.assign(proxy, { url: forward.url, log: forward.log, close: forward.close });
}
