/**
 * The live socket as the hub treated it, which the stock client does not say: a socket that opens is not yet the
 * hub serving it. At its connection limit the hub accepts a socket and closes it at once with 1013
 * "TooManyConcurrentRequests" (the client tries again by itself, 3 s doubling), so only a message on a socket
 * says the hub is there and serving.
 *
 *   (socket made) ──first message──▶ answered ──▶ ("Could not reach the hub" goes; live)
 *        │
 *        ├──closed with 1013──▶ busy     (live updates paused: the hub is full; the client retries)
 *        └──closed otherwise──▶ closed   (down, or closed by the page: the connection state says which)
 */

/** What one socket came to. */
export type SocketNews = "answered" | "busy" | "closed";

/** The close code the hub turns a socket away with at its connection limit (RFC 6455: "Try Again Later"). */
export const TRY_AGAIN_LATER = 1013;

/** What a socket's close says, by its code. */
export function closeNews(code: number): SocketNews {
  return code === TRY_AGAIN_LATER ? "busy" : "closed";
}

const listeners = new Set<(news: SocketNews) => void>();
let latest: SocketNews | null = null;

/** The news of the socket heard from last (null: none yet): what a view that starts now goes by. */
export function latestSocketNews(): SocketNews | null {
  return latest;
}

/** Calls `listener` with the news of each socket the page opens, until the returned function is called. */
export function onSocketNews(listener: (news: SocketNews) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function tell(news: SocketNews): void {
  latest = news;
  for (const listener of [...listeners]) listener(news);
}

/** `base` (the browser's WebSocket), telling the news of each socket it makes: the stock client's `webSocketConstructor`. */
export function watchedWebSocket(base: typeof WebSocket): typeof WebSocket {
  return class WatchedWebSocket extends base {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols);
      let answered = false;
      this.addEventListener("message", () => {
        if (answered) return;
        answered = true;
        tell("answered");
      });
      this.addEventListener("close", (event) => tell(closeNews(event.code)));
    }
  };
}
