/**
 * After a run failed on OpenClaw's model, whether OpenClaw's config names one at all, so that the owner's
 * message can say how to set it (failure.ts decides the words). Asking takes OpenClaw's CLI (Node 24, seconds):
 * one answer serves every failure for `ttlMs`, runs failing at once share one check, and a failure waits for it
 * `timeoutMs` at most, then is reported without the hint (a late answer is kept for the next failure).
 */
import type { Clock, Executor } from "../sdk/index.ts";
import { isModelFailure, ownerMessage, type ModelSetting } from "./failure.ts";

export interface ModelCheckOptions {
  /** Asks OpenClaw; null when it cannot tell. */
  check: (signal: AbortSignal) => Promise<ModelSetting | null>;
  clock: Clock;
  /** How long an answer is reused. */
  ttlMs?: number;
  /** How long a failure's report waits for the answer. */
  timeoutMs?: number;
}

export class ModelCheck {
  readonly #o: Required<ModelCheckOptions>;
  readonly #closed = new AbortController();
  #answer: { value: ModelSetting | null; at: number } | null = null;
  #asking: Promise<ModelSetting | null> | null = null;

  constructor(options: ModelCheckOptions) {
    this.#o = { ttlMs: 30_000, timeoutMs: 15_000, ...options };
  }

  /** The answer, recent or asked for now; null when none came within `timeoutMs`, or `signal` aborted first. */
  answer(signal?: AbortSignal): Promise<ModelSetting | null> {
    const clock = this.#o.clock;
    if (this.#answer && clock.now() - this.#answer.at < this.#o.ttlMs) return Promise.resolve(this.#answer.value);
    this.#asking ??= this.#o.check(this.#closed.signal).catch(() => null).then((value) => {
      this.#answer = { value, at: clock.now() };
      this.#asking = null;
      return value;
    });
    const asking = this.#asking;
    return new Promise((resolve) => {
      const done = (value: ModelSetting | null) => {
        cancel();
        signal?.removeEventListener("abort", aborted);
        resolve(value);
      };
      const aborted = () => done(null);
      const cancel = clock.setTimeout(() => done(null), this.#o.timeoutMs);
      signal?.addEventListener("abort", aborted, { once: true });
      if (signal?.aborted) aborted();
      void asking.then(done);
    });
  }

  /** Ends a check under way (its child process); later answers are null. Idempotent. */
  close(): void {
    this.#closed.abort();
  }
}

/**
 * `executor`, whose model failures wait for `models`' answer before they are thrown, and the formatter that
 * says it in the owner's message.
 */
export function explainModelFailures(executor: Executor, models: ModelCheck): { executor: Executor; formatError: (error: unknown) => string } {
  const found = new WeakMap<object, ModelSetting>();
  return {
    executor: async (run, context) => {
      try {
        return await executor(run, context);
      } catch (error) {
        if (!context.signal.aborted && isModelFailure(error)) {
          const model = await models.answer(context.signal);
          if (model) found.set(error as object, model);
        }
        throw error;
      }
    },
    formatError: (error) => ownerMessage(error, (typeof error === "object" && error !== null && found.get(error)) || null),
  };
}
