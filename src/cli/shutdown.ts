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

  /**
   * Whether a signal has come by now, for a command to ask between the steps of its start, so
   * that it stops there and starts nothing more (no port opened, no bridge). A signal the process
   * was sent while a step ran is handled in the event loop's next poll phase; a step that ended
   * in a promise's continuation has not been through one since. Two turns of the loop's check
   * phase (setImmediate) are: the first ends the current turn, the second the next, whose poll
   * phase came between.
   */
  async receivedByNow(): Promise<boolean> {
    for (let turn = 0; turn < 2; turn++) await new Promise((resolve) => setImmediate(resolve));
    return this.#received !== null;
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
