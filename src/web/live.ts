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

let client: ConvexClient | null = null;

export function liveClient(): ConvexClient {
  if (client) return client;
  client = new ConvexClient(window.location.origin, { logger: false });
  // Each socket the client opens (the first, and each reconnect) is the hub answering, as an HTTP answer is:
  // "Could not reach the hub" goes then, even if the page sends no request. Ends with the client.
  let opened = 0;
  client.subscribeToConnectionState((state) => {
    if (state.connectionCount <= opened) return;
    opened = state.connectionCount;
    hubReached();
  });
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
 * True while the live connection, once up, is down: what the page shows may be out of date until
 * the client is back (it reconnects on its own, and the hub then sends every query's current value).
 */
export function useConnectionLost(): boolean {
  const [lost, setLost] = useState(false);
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
  return lost;
}

export type Live<T> = { status: "loading" } | { status: "ready"; data: T } | { status: "error"; error: Error; code: string | null };

type OwnerQuery = "me" | "board" | "task" | "notifications" | "agents" | "members";

/**
 * Subscribes to `owner:<name>` while mounted; re-subscribes when the args change.
 * With `keepPrevious`, the last value stays on screen until the new args' arrives
 * (a longer page of the same view, not another view).
 */
export function useLive<T>(name: OwnerQuery, args: Record<string, string | number> = {}, options: { keepPrevious?: boolean } = {}): Live<T> {
  const [state, setState] = useState<Live<T>>({ status: "loading" });
  const key = JSON.stringify(args);
  const keep = options.keepPrevious ?? false;
  useEffect(() => {
    if (!keep) setState({ status: "loading" });
    const query = (anyApi.owner as Record<string, unknown>)[name] as FunctionReference<"query">;
    const unsubscribe = liveClient().onUpdate(
      query,
      JSON.parse(key) as Record<string, string | number>,
      (data) => setState({ status: "ready", data: data as T }),
      (error) => setState({ status: "error", error, code: ((error as { data?: { code?: string } }).data?.code) ?? null }),
    );
    return () => unsubscribe();
  }, [name, key, keep]);
  return state;
}
