import { MAX_BODY } from "./job.ts";

const OMITTED = "… (earlier progress omitted)\n\n";

/**
 * A run's progress comments, bounded: at most one is being delivered and one waits. What the executor says while
 * one is on its way is joined onto the waiting one, so a burst of thousands makes two comments, not a flood of the
 * task's feed, and nothing said is lost. Only past the API's size for a comment does the oldest waiting text give way
 * (marked as such): memory stays bounded whatever the executor does.
 */
export class RunProgress {
  readonly #send: (text: string) => Promise<unknown>;
  readonly #max: number;
  #sending = false;
  #waiting: string | null = null;
  #closed = false;

  /** `send` delivers one comment and settles once it is off the outbox (delivered, refused or dropped). */
  constructor(send: (text: string) => Promise<unknown>, max = MAX_BODY) {
    this.#send = send;
    this.#max = max;
  }

  post(text: string): void {
    if (this.#closed) return;
    if (!this.#sending) return this.#deliver(text);
    this.#waiting = this.#waiting === null ? text : this.#bounded(`${this.#waiting}\n\n${text}`);
  }

  /** The run is ending: what waits is sent now (ahead of the final call, which is queued after it); no more is taken. */
  flush(): void {
    const waiting = this.#waiting;
    this.close();
    if (waiting !== null) void this.#send(waiting);
  }

  /** The run was stopped: what waits is dropped and no more is taken. */
  close(): void {
    this.#closed = true;
    this.#waiting = null;
  }

  /** The newest text that fits one comment, never cut between an emoji's two halves. */
  #bounded(text: string): string {
    if (text.length <= this.#max) return text;
    let start = text.length - (this.#max - OMITTED.length);
    if (/[\uDC00-\uDFFF]/.test(text[start] ?? "")) start++;
    return OMITTED + text.slice(start);
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
