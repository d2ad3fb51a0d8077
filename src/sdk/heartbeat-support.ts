/**
 * Whether the API takes heartbeats, as one client learned it: pure bookkeeping (the time comes in as `now`).
 * Hosted GroupChat may have no heartbeat endpoint: its refusal (a 405, or a 404 for a run that is there) pauses
 * heartbeats for every run of the client instead of sending one per run and interval to be refused again, and
 * after `probeMs` one heartbeat goes out as a probe (a deploy may have brought the endpoint); each refused probe
 * doubles the wait, up to `maxProbeMs`. Once a heartbeat went through, the API has them: a later refusal is about
 * the run or the route (the client says so), never a reason to pause.
 *
 *   unknown ──answered──▶ on (for good)
 *      │                   ▲
 *   refused            answered
 *      ▼                   │
 *   paused ──probe due──▶ probing ──refused (wait doubles)──▶ paused
 *                           └──────no verdict (network, run gone)──▶ paused, probe still due
 */

export interface HeartbeatSupportOptions {
  /** Wait before the first probe. */
  probeMs: number;
  /** The longest wait between probes. */
  maxProbeMs: number;
}

export class HeartbeatSupport {
  readonly #o: HeartbeatSupportOptions;
  #state: "unknown" | "on" | "paused" | "probing" = "unknown";
  #probeAt = 0;
  #waitMs: number;

  constructor(options: HeartbeatSupportOptions) {
    this.#o = options;
    this.#waitMs = options.probeMs;
  }

  /** True when the API answered a heartbeat: a 404 or 405 now speaks of the run or the route, not of heartbeats. */
  get answered(): boolean {
    return this.#state === "on";
  }

  /** False while paused (or another call is probing). */
  get enabled(): boolean {
    return this.#state === "unknown" || this.#state === "on";
  }

  /** Whether to send a heartbeat now; when paused and the probe is due, this call is the probe (the only one). */
  shouldSend(now: number): boolean {
    if (this.#state === "paused" && now >= this.#probeAt) this.#state = "probing";
    else if (this.#state === "paused" || this.#state === "probing") return false;
    return true;
  }

  /** A heartbeat went through. True when that ends a pause (heartbeats are back). */
  sent(): boolean {
    const resumed = this.#state === "probing" || this.#state === "paused";
    this.#state = "on";
    return resumed;
  }

  /** The API has no heartbeats (yet). True when that starts a pause. */
  refused(now: number): boolean {
    if (this.#state === "on") return false;
    const pausing = this.#state === "unknown";
    if (this.#state === "probing") this.#waitMs = Math.min(this.#o.maxProbeMs, this.#waitMs * 2);
    this.#state = "paused";
    this.#probeAt = now + this.#waitMs;
    return pausing;
  }

  /** The call said nothing about heartbeats (it failed otherwise, or the run is gone): a probe is still due. */
  unanswered(): void {
    if (this.#state === "probing") this.#state = "paused";
  }
}
