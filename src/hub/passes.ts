/**
 * The passes of a background job (the reaper's, the purger's), one at a time: a pass
 * asked for while one is under way waits that one out, then runs whole (the earlier
 * one may have read the clock, or the queue, before the asker's change). A pass that
 * fails is reported and counts as `failed`; the next tick tries again.
 */
export class Passes<T> {
  private running: Promise<T> | null = null;

  constructor(
    private readonly pass: () => Promise<T>,
    private readonly failed: T,
    private readonly onError?: (error: unknown) => void,
  ) {}

  /** Whether a pass is under way (a timer's tick then skips: that pass catches up). */
  get busy(): boolean {
    return this.running !== null;
  }

  async run(): Promise<T> {
    while (this.running) await this.running;
    const pass = this.pass().catch((error: unknown) => {
      this.onError?.(error);
      return this.failed;
    });
    this.running = pass;
    try {
      return await pass;
    } finally {
      if (this.running === pass) this.running = null;
    }
  }

  /** Resolves once no pass is under way. */
  async settled(): Promise<void> {
    while (this.running) await this.running;
  }
}
