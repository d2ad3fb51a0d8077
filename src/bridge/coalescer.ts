/**
 * Rate-limits progress comments: the first line goes out at once, later ones
 * are gathered and sent together at most once per `intervalMs`, in order.
 * `flush()` sends what is gathered now (before the final answer); `cancel()`
 * drops it (after a stop, nothing more may be posted).
 */
import type { Clock } from "../sdk/clock.ts";
import { joinLines } from "./progress.ts";

export interface CoalescerOptions {
  intervalMs: number;
  clock: Clock;
  post: (text: string) => void;
  maxLines?: number;
}

export class ProgressCoalescer {
  readonly #o: CoalescerOptions;
  #lines: string[] = [];
  #lastPostAt = -Infinity;
  #cancelTimer: (() => void) | null = null;
  #closed = false;

  constructor(options: CoalescerOptions) {
    this.#o = options;
  }

  push(line: string): void {
    if (this.#closed) return;
    this.#lines.push(line);
    if (this.#cancelTimer) return;
    const wait = this.#lastPostAt + this.#o.intervalMs - this.#o.clock.now();
    if (wait <= 0) this.#send();
    else this.#cancelTimer = this.#o.clock.setTimeout(() => this.#send(), wait);
  }

  /** Sends whatever is gathered now and stops taking lines. */
  flush(): void {
    if (this.#closed) return;
    this.#send();
    this.#close();
  }

  /** Drops whatever is gathered and stops taking lines. */
  cancel(): void {
    this.#lines = [];
    this.#close();
  }

  #send(): void {
    this.#cancelTimer?.();
    this.#cancelTimer = null;
    if (this.#lines.length === 0) return;
    const text = joinLines(this.#lines, this.#o.maxLines);
    this.#lines = [];
    this.#lastPostAt = this.#o.clock.now();
    this.#o.post(text);
  }

  #close(): void {
    this.#closed = true;
    this.#cancelTimer?.();
    this.#cancelTimer = null;
  }
}
