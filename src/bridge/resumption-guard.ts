/**
 * OpenClaw resumes by itself, once it restarted, each session whose turn the restart cut off (a turn of its own,
 * "[System] Your previous turn was interrupted by a restart…", under a run id of its own). A turn the bridge gave
 * up on must not come back that way: its run was stopped, or ended with "OpenClaw restarted… send a follow-up", so
 * the resumed turn would run its tools for a run that is over and hold the session's next turn (the follow-up)
 * behind it. The guard watches such a session once the gateway is back on a new boot, for `watchMs`, and aborts
 * any turn in it that is not one of the bridge's.
 */
import type { Clock } from "../sdk/clock.ts";
import { isTurnKey } from "./context.ts";
import type { GatewayClient } from "./gateway/client.ts";
import { parseTaskList } from "./gateway/frames.ts";
import type { Log } from "./log.ts";

export interface ResumptionGuardOptions {
  gateway: Pick<GatewayClient, "request" | "state" | "bootId">;
  clock: Clock;
  log?: Log;
  /** How long a session is watched once the gateway is back on a new boot. Default 90 s (OpenClaw resumes within seconds, retrying for 15 s). */
  watchMs?: number;
  /** How long a session waits for that new boot at most. Default 10 min. */
  waitMs?: number;
  /** How often a watched session is looked at. Default 1 s. */
  pollMs?: number;
}

interface Watch {
  /** The boot the given-up turn ran on: a resumption comes from another. */
  bootId: string | null;
  until: number;
  /** Set once the gateway is seen on another boot. */
  restarted: boolean;
}

const RUNNING = new Set(["queued", "running"]);

export class ResumptionGuard {
  readonly #o: ResumptionGuardOptions;
  readonly #watched = new Map<string, Watch>();
  #cancel: (() => void) | null = null;
  #closed = false;

  constructor(options: ResumptionGuardOptions) {
    this.#o = options;
  }

  /** The bridge gave up on the turn it sent in `sessionKey` on gateway boot `bootId`: OpenClaw may not resume it. */
  forbid(sessionKey: string, bootId: string | null): void {
    if (this.#closed) return;
    this.#watched.set(sessionKey, { bootId, until: this.#o.clock.now() + (this.#o.waitMs ?? 600_000), restarted: false });
    this.#schedule();
  }

  close(): void {
    this.#closed = true;
    this.#cancel?.();
    this.#watched.clear();
  }

  #schedule(): void {
    if (this.#cancel || this.#closed || this.#watched.size === 0) return;
    this.#cancel = this.#o.clock.setTimeout(() => {
      this.#cancel = null;
      void this.#look().finally(() => this.#schedule());
    }, this.#o.pollMs ?? 1_000);
  }

  async #look(): Promise<void> {
    const { gateway, clock } = this.#o;
    for (const [sessionKey, watch] of this.#watched) {
      if (clock.now() > watch.until) {
        this.#watched.delete(sessionKey);
        continue;
      }
      if (gateway.state !== "connected" || gateway.bootId === watch.bootId) continue;
      if (!watch.restarted) Object.assign(watch, { restarted: true, until: clock.now() + (this.#o.watchMs ?? 90_000) });
      try {
        const { tasks } = parseTaskList(await gateway.request("tasks.list", { sessionKey, limit: 20 }, { timeoutMs: 5_000 }));
        for (const task of tasks) {
          if (!task.runId || isTurnKey(task.runId) || !RUNNING.has(task.status)) continue;
          // That run alone: the queue may hold the bridge's own next turn in the session (a follow-up).
          await gateway.request("sessions.abort", { key: sessionKey, runId: task.runId }, { timeoutMs: 5_000 });
          this.#o.log?.("info", "aborted the turn OpenClaw resumed after its restart for a run the bridge had ended", { sessionKey, resumed: task.runId });
        }
      } catch (error) {
        // Looked at again at the next poll, while the watch lasts.
        this.#o.log?.("debug", "could not look for a resumed turn", { sessionKey, error: error instanceof Error ? error.message : String(error) });
      }
    }
  }
}
