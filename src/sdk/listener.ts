/**
 * Calling a listener the SDK's user gave (`onEvent`, `onRetry`, a run source's subscriber…). One that throws, or
 * returns a promise that rejects (an `async` listener), is handed to `failed`: a listener's failure must neither
 * stop the SDK's work nor, as an unhandled rejection, end the process.
 */
export function callListener<A extends unknown[]>(
  listener: ((...args: A) => unknown) | undefined, args: A, failed: (error: unknown) => void,
): void {
  try {
    const result = listener?.(...args);
    if (typeof (result as PromiseLike<unknown> | undefined)?.then === "function") (result as PromiseLike<unknown>).then(undefined, failed);
  } catch (error) {
    failed(error);
  }
}
