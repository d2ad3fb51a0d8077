/**
 * A run's progress comments, bounded: at most one is being delivered and one waits. A newer one takes the waiting
 * one's place (that one is superseded: never posted, never written to the outbox), so a burst of thousands posts
 * the first and the newest, not a flood of the task's feed, and the outbox holds one progress entry per run at most.
 * Progress says where the work is now; the run's final call says where it ended, so it supersedes the waiting one
 * too (`close()`).
 */
export class RunProgress {
  readonly #send: (text: string) => Promise<unknown>;
  #sending = false;
  #waiting: string | null = null;
  #closed = false;

  /** `send` delivers one comment and settles once it is off the outbox (delivered, refused or dropped). */
  constructor(send: (text: string) => Promise<unknown>) {
    this.#send = send;
  }

  post(text: string): void {
    if (this.#closed) return;
    if (this.#sending) this.#waiting = text;
    else this.#deliver(text);
  }

  /** Drops the waiting comment and takes no more (the one being delivered is the courier's to settle). */
  close(): void {
    this.#closed = true;
    this.#waiting = null;
  }

  #deliver(text: string): void {
    this.#sending = true;
    const next = () => {
      this.#sending = false;
      const waiting = this.#waiting;
      this.#waiting = null;
      if (waiting !== null && !this.#closed) this.#deliver(waiting);
    };
    this.#send(text).then(next, next);
  }
}
