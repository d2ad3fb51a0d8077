/**
 * The signal that the hub answered: an HTTP request got a response (any status), or the live socket
 * (re)connected. What says "Could not reach the hub" listens, and takes it back then, without a reload.
 */
const listeners = new Set<() => void>();

/** Calls `listener` each time the hub is reached, until the returned function is called. */
export function onHubReached(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Tells every listener the hub answered just now. */
export function hubReached(): void {
  for (const listener of [...listeners]) listener();
}
