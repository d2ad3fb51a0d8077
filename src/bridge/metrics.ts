/**
 * The bridge's Prometheus metrics, in the text exposition format (no client
 * library: a few families with fixed labels do not need one; the hub, with
 * labels only known as requests come, uses prom-client). Served at `/metrics`
 * by the server the hub's metrics use too (hub/metrics/server.ts).
 */
import type { Exposition } from "../hub/metrics/server.ts";

export type Outcome = "finished" | "failed" | "stopped" | "aborted" | "skipped";
const OUTCOMES: readonly Outcome[] = ["finished", "failed", "stopped", "aborted", "skipped"];

/** Buckets in seconds, for pickup latency and executor time. */
const PICKUP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const EXECUTOR_BUCKETS = [0.1, 0.5, 1, 5, 15, 30, 60, 300, 900, 1800, 3600];

class Histogram {
  readonly counts: number[];
  sum = 0;
  count = 0;
  constructor(readonly buckets: number[]) {
    this.counts = buckets.map(() => 0);
  }
  observe(value: number): void {
    this.sum += value;
    this.count++;
    for (let i = 0; i < this.buckets.length; i++) if (value <= this.buckets[i]!) this.counts[i]!++;
  }
  render(name: string): string[] {
    return [
      ...this.buckets.map((b, i) => `${name}_bucket{le="${b}"} ${this.counts[i]}`),
      `${name}_bucket{le="+Inf"} ${this.count}`,
      `${name}_sum ${this.sum}`,
      `${name}_count ${this.count}`,
    ];
  }
}

export interface Gauges {
  inFlight(): number;
  queued(): number;
  outboxDepth(): number;
  hubConnected(): boolean;
  gatewayConnected(): boolean;
}

export class BridgeMetrics {
  /** For the metrics server: the text format, rendered at each scrape. */
  readonly exposition: Exposition = { contentType: "text/plain; version=0.0.4", metrics: () => this.render() };
  readonly runs = new Map<Outcome, number>(OUTCOMES.map((o) => [o, 0]));
  readonly pickup = new Histogram(PICKUP_BUCKETS);
  readonly executor = new Histogram(EXECUTOR_BUCKETS);
  apiRetries = 0;

  constructor(readonly gauges: Gauges) {}

  outcome(outcome: Outcome): void {
    this.runs.set(outcome, (this.runs.get(outcome) ?? 0) + 1);
  }

  render(): string {
    const g = this.gauges;
    const lines = [
      "# HELP groupchat_bridge_runs_total Runs by outcome.",
      "# TYPE groupchat_bridge_runs_total counter",
      ...OUTCOMES.map((o) => `groupchat_bridge_runs_total{outcome="${o}"} ${this.runs.get(o) ?? 0}`),
      "# HELP groupchat_bridge_pickup_latency_seconds From a run's creation (or first sighting) to its claim.",
      "# TYPE groupchat_bridge_pickup_latency_seconds histogram",
      ...this.pickup.render("groupchat_bridge_pickup_latency_seconds"),
      "# HELP groupchat_bridge_executor_seconds Time from claim to the run's end.",
      "# TYPE groupchat_bridge_executor_seconds histogram",
      ...this.executor.render("groupchat_bridge_executor_seconds"),
      "# HELP groupchat_bridge_outbox_depth Lifecycle calls written down and not yet acknowledged.",
      "# TYPE groupchat_bridge_outbox_depth gauge",
      `groupchat_bridge_outbox_depth ${g.outboxDepth()}`,
      "# HELP groupchat_bridge_runs_in_flight Runs being claimed, worked on or ended.",
      "# TYPE groupchat_bridge_runs_in_flight gauge",
      `groupchat_bridge_runs_in_flight ${g.inFlight()}`,
      "# HELP groupchat_bridge_runs_queued Runs seen and waiting for a free slot.",
      "# TYPE groupchat_bridge_runs_queued gauge",
      `groupchat_bridge_runs_queued ${g.queued()}`,
      "# HELP groupchat_bridge_api_retries_total Agent API calls retried.",
      "# TYPE groupchat_bridge_api_retries_total counter",
      `groupchat_bridge_api_retries_total ${this.apiRetries}`,
      "# HELP groupchat_bridge_connected Connection state (1 up, 0 down).",
      "# TYPE groupchat_bridge_connected gauge",
      `groupchat_bridge_connected{link="realtime"} ${g.hubConnected() ? 1 : 0}`,
      `groupchat_bridge_connected{link="gateway"} ${g.gatewayConnected() ? 1 : 0}`,
    ];
    return `${lines.join("\n")}\n`;
  }
}
