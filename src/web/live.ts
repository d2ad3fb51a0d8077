/**
 * Live data: the hub's owner queries through the stock Convex client, the same
 * real-time engine agents use. The socket is opened at the page's own origin
 * after sign-in, so the browser sends the session cookie with the upgrade; no
 * token ever travels in query args. No polling anywhere: a value changes when
 * the hub pushes a Transition.
 */
import { ConvexClient } from "convex/browser";
import { anyApi, type FunctionReference } from "convex/server";
import { useEffect, useState } from "react";
import { hubReached } from "./hub-reached.ts";
import { latestSocketNews, onSocketNews, watchedWebSocket } from "./live-socket.ts";
import { failed, type Live } from "./live-state.ts";

export type { Live, LiveError } from "./live-state.ts";

let client: ConvexClient | null = null;

// Each socket the hub answers on (the first, and each reconnect) is the hub reached, as an HTTP answer is:
// "Could not reach the hub" goes then, even if the page sends no request. One it turns away (full) is not.
onSocketNews((news) => {
  if (news === "answered") hubReached();
});

export function liveClient(): ConvexClient {
  client ??= new ConvexClient(window.location.origin, { logger: false, webSocketConstructor: watchedWebSocket(WebSocket) });
  return client;
}

/** After sign-out: the next sign-in opens a new socket, with the new cookie. */
export async function closeLiveClient(): Promise<void> {
  const closing = client;
  client = null;
  await closing?.close();
}

/** How long the socket may be down before the page says so: a restart's reconnect is quicker, and should not flash. */
const LOST_AFTER_MS = 1000;

/**
 * The live connection: "live"; "lost" while, once up, it is down (what the page shows may be out of date until
 * the client is back: it reconnects on its own, and the hub then sends every query's current value); "busy" while
 * the hub turns its sockets away, full (it is there, but sends nothing until the client gets in on a later try).
 */
export type LiveHealth = "live" | "lost" | "busy";

/** Whether the hub is turning the page's live sockets away (full): nothing it has not sent yet comes until it lets one in. */
export function useSocketBusy(): boolean {
  const [busy, setBusy] = useState(() => latestSocketNews() === "busy");
  useEffect(() => onSocketNews((news) => setBusy(news === "busy")), []);
  return busy;
}

export function useLiveHealth(): LiveHealth {
  const [lost, setLost] = useState(false);
  const busy = useSocketBusy();
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const unsubscribe = liveClient().subscribeToConnectionState((state) => {
      if (state.hasEverConnected && !state.isWebSocketConnected) {
        timer ??= setTimeout(() => setLost(true), LOST_AFTER_MS);
        return;
      }
      clearTimeout(timer);
      timer = undefined;
      setLost(false);
    });
    return () => {
      clearTimeout(timer);
      unsubscribe();
    };
  }, []);
  return busy ? "busy" : lost ? "lost" : "live";
}


/**
 * The view (the args that make another view, as a filter or a search, not a longer page) `live`'s value is of: kept
 * on screen (keepPrevious) until the new args' value comes, another view's is not to be shown as this one's. A value
 * that comes after `view` changed is of it (the subscription follows the args).
 */
export function useShownView<T>(live: Live<T>, view: string): string {
  const data = live.status === "ready" ? live.data : null;
  const [seen, setSeen] = useState({ data, view });
  if (seen.data === data) return seen.view;
  setSeen({ data, view });
  return view;
}

type OwnerQuery = "me" | "board" | "task" | "notifications" | "agents" | "members" | "runs" | "webhooks";
type LiveArgs = Record<string, string | number | readonly string[]>;

/**
 * Subscribes to `owner:<name>` while mounted; re-subscribes when the args change.
 * With `keepPrevious`, the last value stays on screen until the new args' arrives
 * (a longer page of the same view, not another view).
 */
export function useLive<T>(name: OwnerQuery, args: LiveArgs = {}, options: { keepPrevious?: boolean } = {}): Live<T> {
  const [state, setState] = useState<Live<T>>({ status: "loading" });
  const key = JSON.stringify(args);
  const keep = options.keepPrevious ?? false;
  useEffect(() => {
    if (!keep) setState({ status: "loading" });
    const query = (anyApi.owner as Record<string, unknown>)[name] as FunctionReference<"query">;
    const unsubscribe = liveClient().onUpdate(
      query,
      JSON.parse(key) as Record<string, string | number | string[]>,
      (data) => setState({ status: "ready", data: data as T }),
      (error) => setState((state) => failed(state, { error, code: ((error as { data?: { code?: string } }).data?.code) ?? null })),
    );
    return () => unsubscribe();
  }, [name, key, keep]);
  return state;
}
