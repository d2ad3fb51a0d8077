/**
 * The hub's Prometheus metrics (prom-client), served apart from the API when
 * `--metrics-port` is set (hub/metrics/server.ts). Labels come from closed sets
 * only: a method, a route's pattern (`/api/v1/agent/runs/:id/start`, never the
 * URL, so no id or token), a status code, a run status. No user text, no header.
 *
 * Counters are this process's own (several hubs on one PostgreSQL database each
 * count what they did: sum them). What is read from the database at each scrape,
 * the active runs, is the whole database's, the same from every hub.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import { RUN_STATUSES, type RunStatus } from "../../sdk/run-state.ts";
import { SYNC_LIMITS, type SyncLimit } from "../realtime/index.ts";
import type { RetryReason } from "../db/postgres.ts";

const RETRY_REASONS: readonly RetryReason[] = ["deadlock", "serialization"];

/** What a scrape reads as it is now. */
export interface HubGauges {
  /** PENDING and RUNNING runs, from the database. */
  activeRuns(): Promise<Record<"PENDING" | "RUNNING", number>>;
  /** Open sync sockets and the queries they hold. */
  realtime(): { sockets: number; queries: number };
}

/** The route label of a request that matched none (a 404, or a web UI page the not-found handler serves). */
export const UNMATCHED = "unmatched";

// Hub requests take well under a millisecond unless the database or the machine is busy.
const DURATION_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
// Group commit shares one COMMIT among up to 64 transactions.
const BATCH_BUCKETS = [1, 2, 4, 8, 16, 32, 64];

export class HubMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<"method" | "route" | "status_code">;
  private readonly duration: Histogram<"method" | "route">;
  private readonly transitions: Counter<"to">;
  private readonly expirations: Counter;
  private readonly refusedSockets: Counter;
  private readonly commits: Histogram;
  private readonly retries: Counter<"reason">;

  constructor(gauges: HubGauges) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.requests = new Counter({
      name: "groupchat_hub_http_requests_total", help: "HTTP requests answered, by method, route pattern and status code.",
      labelNames: ["method", "route", "status_code"], registers,
    });
    this.duration = new Histogram({
      name: "groupchat_hub_http_request_duration_seconds", help: "From a request's arrival to its response, by method and route pattern.",
      labelNames: ["method", "route"], buckets: DURATION_BUCKETS, registers,
    });
    this.transitions = new Counter({
      name: "groupchat_hub_run_transitions_total", help: "Runs that moved to a status (PENDING: created), committed by this hub.",
      labelNames: ["to"], registers,
    });
    for (const to of RUN_STATUSES) this.transitions.inc({ to }, 0);
    this.expirations = new Counter({
      name: "groupchat_hub_reaper_expired_runs_total", help: "RUNNING runs the reaper ended because their agent stopped calling.", registers,
    });
    this.refusedSockets = new Counter({
      name: "groupchat_hub_realtime_sockets_refused_total",
      help: "Real-time sockets turned away (closed with 1013), by the bound they were past: sockets (--sync-max-connections), ip (--sync-max-connections-per-ip), principal (--sync-max-connections-per-principal).",
      labelNames: ["limit"], registers,
    });
    for (const limit of SYNC_LIMITS) this.refusedSockets.inc({ limit }, 0);
    this.commits = new Histogram({
      name: "groupchat_hub_sqlite_commit_transactions", help: "Transactions that shared one SQLite COMMIT (group commit, writes on the HTTP thread); _count is the commits.",
      buckets: BATCH_BUCKETS, registers,
    });
    this.retries = new Counter({
      name: "groupchat_hub_postgres_transaction_retries_total",
      help: "PostgreSQL transactions rolled back and run again, by why: deadlock (PostgreSQL failed one of two writes waiting on each other), serialization.",
      labelNames: ["reason"], registers,
    });
    for (const reason of RETRY_REASONS) this.retries.inc({ reason }, 0);
    new Gauge({
      name: "groupchat_hub_active_runs", help: "Runs PENDING or RUNNING now, in the whole database (every hub on it).",
      labelNames: ["status"], registers,
      async collect() {
        try {
          const counts = await gauges.activeRuns();
          for (const status of ["PENDING", "RUNNING"] as const) this.set({ status }, counts[status]);
        } catch {
          // The database is out of reach: no figure rather than an old one.
          this.reset();
        }
      },
    });
    new Gauge({
      name: "groupchat_hub_realtime_sockets", help: "Open real-time (sync protocol) sockets.", registers,
      collect() {
        this.set(gauges.realtime().sockets);
      },
    });
    new Gauge({
      name: "groupchat_hub_realtime_queries", help: "Queries subscribed on the open real-time sockets.", registers,
      collect() {
        this.set(gauges.realtime().queries);
      },
    });
  }

  /** One answered request; `route` is the matched pattern, or UNMATCHED. */
  request(method: string, route: string, statusCode: number, seconds: number): void {
    this.requests.inc({ method, route, status_code: statusCode });
    this.duration.observe({ method, route }, seconds);
  }

  /** The statuses runs moved to in one committed write. */
  transitioned(statuses: readonly RunStatus[]): void {
    for (const to of statuses) this.transitions.inc({ to });
  }

  /** The reaper ended a run. */
  expired(): void {
    this.expirations.inc();
  }

  /** A real-time socket turned away for being past one of its bounds. */
  turnedAway(limit: SyncLimit): void {
    this.refusedSockets.inc({ limit });
  }

  /** A PostgreSQL transaction rolled back to run again. */
  retried(reason: RetryReason): void {
    this.retries.inc({ reason });
  }

  /** One SQLite COMMIT of `transactions` transactions. */
  committed(transactions: number): void {
    this.commits.observe(transactions);
  }
}
