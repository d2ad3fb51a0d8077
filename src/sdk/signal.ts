/**
 * A signal that aborts when any of `signals` does (with that one's reason), until `dispose`.
 *
 * Not `AbortSignal.any`: Node 20 keeps a reference to its result on each source signal until that source aborts,
 * long after the result is gone (~60 bytes each, never freed). A source that lives as long as the process (a run
 * source's, a worker's) would so keep one per call, a leak in a daemon that polls for months.
 */
export function linkedSignal(signals: readonly (AbortSignal | undefined)[]): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const sources = signals.filter((signal): signal is AbortSignal => signal !== undefined);
  const onAbort = () => controller.abort(sources.find((source) => source.aborted)?.reason);
  const dispose = () => {
    for (const source of sources) source.removeEventListener("abort", onAbort);
  };
  if (sources.some((source) => source.aborted)) onAbort();
  else for (const source of sources) source.addEventListener("abort", onAbort, { once: true });
  return { signal: controller.signal, dispose };
}
