/**
 * How a long-running command hears it should stop. Installed before anything
 * starts, so a SIGINT/SIGTERM that arrives while the hub or the bridge is still
 * starting is not the default action (an abrupt exit that would leave a managed
 * OpenClaw gateway running) but a request the command acts on as soon as it has
 * something to stop. A second signal exits at once.
 */
export class Shutdown {
  readonly #controller = new AbortController();
  #received: NodeJS.Signals | null = null;
  #onForce: () => void = () => {};
  readonly #handle = (signal: NodeJS.Signals) => {
    if (this.#received) {
      this.#onForce();
      process.exit(130);
    }
    this.#received = signal;
    this.#controller.abort();
  };

  constructor() {
    process.on("SIGINT", this.#handle);
    process.on("SIGTERM", this.#handle);
  }

  /** Aborted by the first signal. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** The first signal received, if any. */
  get received(): NodeJS.Signals | null {
    return this.#received;
  }

  /** Runs just before a second signal exits (e.g. to clear a status line). */
  onForce(run: () => void): void {
    this.#onForce = run;
  }

  /** Resolves with the first signal, at once if it already came. */
  requested(): Promise<NodeJS.Signals> {
    if (this.#received) return Promise.resolve(this.#received);
    return new Promise((resolve) => this.signal.addEventListener("abort", () => resolve(this.#received!), { once: true }));
  }
}
