/**
 * A loopback HTTP proxy in front of the Agent API whose behaviour the test
 * switches: `up` forwards; `503` answers 503; `drop` closes the connection;
 * `lost-answer` forwards (the hub does the work) and then drops the answer.
 */
import { startForwardProxy, type ForwardProxy, type ProxyAction } from "../../support/forward.ts";

export type ProxyMode = "up" | "503" | "drop" | "lost-answer";

export interface SwitchProxy {
  url: string;
  mode: ProxyMode;
  /** Requests that were not answered normally. */
  failed: number;
  /** The proxy underneath, for scripted answers (`answer`) and its log. */
  forward: ForwardProxy;
  close(): Promise<void>;
}

const ACTIONS: Record<ProxyMode, ProxyAction> = { up: "forward", "503": { status: 503 }, drop: "drop", "lost-answer": "lost-answer" };

export async function startSwitchProxy(targetBase: string, apiPath: string): Promise<SwitchProxy> {
  const proxy = { url: "", mode: "up" as ProxyMode, failed: 0 };
  const forward = await startForwardProxy(targetBase, apiPath, () => {
    if (proxy.mode !== "up") proxy.failed++;
    return ACTIONS[proxy.mode];
  });
  return Object.assign(proxy, { url: forward.url, forward, close: forward.close });
}
