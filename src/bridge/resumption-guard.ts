/**
 * OpenClaw resumes by itself, once it restarted, each session whose turn the restart cut off (a turn of its own,
 * "[System] Your previous turn was interrupted by a restart…", under a run id of its own). A turn the bridge gave
 * up on must not come back that way: its run was stopped, or ended with "OpenClaw restarted… send a follow-up", so
 * the resumed turn would run its tools for a run that is over and hold the session's next turn (the follow-up)
 * behind it. The guard watches such a session once the gateway is back on a new boot, for `watchMs`, and aborts
 * any turn in it that is not one of the bridge's.
 *
 * The watched sessions are kept in the state file (`store`): the gateway's next boot can come after the bridge
 * restarted (a managed gateway left running by a bridge that crashed, then dying), and a bridge that forgot would
 * let OpenClaw re-run the work unseen. A session waits for that boot up to `waitMs`, which is cheap: nothing is
 * asked of the gateway while it is on the boot the turn ran on.
 */
import type { Clock } from "../sdk/clock.ts";
import { isTurnKey } from "./context.ts";
import type { GatewayClient } from "./gateway/client.ts";
import { parseTaskList } from "./gateway/frames.ts";
import type { Log } from "./log.ts";

/** A session whose given-up turn OpenClaw may not resume: the boot that turn ran on, and until when it is watched. */
export interface ForbiddenResumption {
  sessionKey: string;
  bootId: string | null;
  until: number;
}

/** Where the watched sessions are kept across restarts (the bridge's state file). */
export interface ResumptionStore {
  /** The sessions still watched (those whose watch ended are dropped). */
  forbiddenResumptions(): ForbiddenResumption[];
  resumptionForbidden(entry: ForbiddenResumption): void;
  resumptionAllowed(sessionKey: string): void;
}

export interface ResumptionGuardOptions {
  gateway: Pick<GatewayClient, "request" | "state" | "bootId">;
  store?: ResumptionStore;
  clock: Clock;
  log?: Log;
  /** How long a session is watched once the gateway is back on a new boot. Default 90 s (OpenClaw resumes within seconds, retrying for 15 s). */
  watchMs?: number;
  /** How long a session waits for that new boot at most. Default 7 days (as long as OpenClaw keeps a turn's record). */
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
const WAIT_MS = 7 * 24 * 3_600_000;

export class ResumptionGuard {
  readonly #o: ResumptionGuardOptions;
  readonly #watched = new Map<string, Watch>();
  #cancel: (() => void) | null = null;
  #closed = false;

  constructor(options: ResumptionGuardOptions) {
    this.#o = options;
    // Those an earlier run of the bridge gave up on: whether the gateway restarted since is seen at the first look.
    for (const { sessionKey, bootId, until } of this.#stored(() => options.store?.forbiddenResumptions()) ?? []) {
      this.#watched.set(sessionKey, { bootId, until, restarted: false });
    }
    this.#schedule();
  }

  /** The bridge gave up on the turn it sent in `sessionKey` on gateway boot `bootId`: OpenClaw may not resume it. */
  forbid(sessionKey: string, bootId: string | null): void {
    if (this.#closed) return;
    this.#watch(sessionKey, { bootId, until: this.#o.clock.now() + (this.#o.waitMs ?? WAIT_MS), restarted: false });
    this.#schedule();
  }

  close(): void {
    this.#closed = true;
    this.#cancel?.();
    this.#watched.clear();
  }

  #watch(sessionKey: string, watch: Watch): void {
    this.#watched.set(sessionKey, watch);
    this.#stored(() => this.#o.store?.resumptionForbidden({ sessionKey, bootId: watch.bootId, until: watch.until }));
  }

  #unwatch(sessionKey: string): void {
    this.#watched.delete(sessionKey);
    this.#stored(() => this.#o.store?.resumptionAllowed(sessionKey));
  }

  /** A state file that fails costs only the guard's memory across a restart: logged, never thrown. */
  #stored<T>(write: () => T): T | undefined {
    try {
      return write();
    } catch (error) {
      this.#o.log?.("warn", "could not keep the sessions whose resumption is aborted in the state file", { error: error instanceof Error ? error.message : String(error) });
      return undefined;
    }
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
        this.#unwatch(sessionKey);
        continue;
      }
      if (gateway.state !== "connected" || gateway.bootId === watch.bootId) continue;
      if (!watch.restarted) this.#watch(sessionKey, { ...watch, restarted: true, until: clock.now() + (this.#o.watchMs ?? 90_000) });
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
