/**
 * The live status line in a terminal: one line redrawn in place (connection,
 * runs in flight, done / failed). Log lines are printed above it.
 */
import type { Clock } from "../sdk/clock.ts";

export interface StatusSnapshot {
  realtime: boolean;
  gateway: string;
  inFlight: number;
  queued: number;
  done: number;
  failed: number;
  stopped: number;
  outbox: number;
}

export function renderStatus(s: StatusSnapshot): string {
  const dot = (ok: boolean) => (ok ? "●" : "○");
  return [
    `${dot(s.realtime)} GroupChat ${s.realtime ? "live" : "polling"}`,
    `${dot(s.gateway === "connected")} OpenClaw ${s.gateway}`,
    `${s.inFlight} running`,
    ...(s.queued ? [`${s.queued} queued`] : []),
    `${s.done} done`,
    `${s.failed} failed`,
    ...(s.stopped ? [`${s.stopped} stopped`] : []),
    ...(s.outbox ? [`${s.outbox} to deliver`] : []),
  ].join(" · ");
}

export class StatusLine {
  #cancel: (() => void) | null = null;
  #last = "";

  constructor(private readonly o: { stream: NodeJS.WriteStream; clock: Clock; snapshot: () => StatusSnapshot; intervalMs?: number }) {}

  start(): void {
    const tick = () => {
      this.#draw();
      this.#cancel = this.o.clock.setTimeout(tick, this.o.intervalMs ?? 1_000);
    };
    tick();
  }

  /** Prints a log line above the status line. */
  print(line: string): void {
    this.o.stream.write(`\r\x1b[2K${line}\n`);
    this.#last = "";
    if (this.#cancel) this.#draw();
  }

  stop(): void {
    this.#cancel?.();
    this.#cancel = null;
    this.o.stream.write("\r\x1b[2K");
  }

  #draw(): void {
    const text = renderStatus(this.o.snapshot());
    if (text === this.#last) return;
    this.#last = text;
    this.o.stream.write(`\r\x1b[2K${text}`);
  }
}
