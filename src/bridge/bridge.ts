/**
 * The bridge: the coordinator that wires the SDK's run worker to OpenClaw and
 * makes it durable. Start order: state file → Agent API client → run source →
 * OpenClaw gateway (managed or the user's) → worker → take back what this
 * bridge had started before a restart → metrics. Stop runs in reverse:
 * stop claiming and drain (grace period), then the gateway, then the file.
 *
 * Durability: every run is noted in the state file before its `start` is sent
 * and forgotten once it ended; every lifecycle call goes through the SQLite
 * outbox. After a crash the notes say which runs to take back (`adopt`), and
 * the outbox is delivered with the original idempotency keys.
 */
import { AgentApiClient, isNotSyncEndpoint, isTokenRefused, RunSource, RunWorker, systemClock, type Clock, type Executor, type RunWorkerOptions, type WorkerEvent } from "../sdk/index.ts";
import type { BridgeConfig } from "./config.ts";
import { sessionKeyFor, taskIdOf, turnKeyFor } from "./context.ts";
import { createOpenClawExecutor } from "./executor.ts";
import { abortTurn } from "./turn.ts";
import { checkModel } from "./checks.ts";
import { ownerMessage } from "./failure.ts";
import { GatewayClient } from "./gateway/client.ts";
import type { Log } from "./log.ts";
import { serveMetrics, type MetricsServer } from "../hub/metrics/server.ts";
import { BridgeMetrics, type Outcome } from "./metrics.ts";
import { explainModelFailures, ModelCheck, type ModelCheckOptions } from "./model-check.ts";
import { ResumptionGuard } from "./resumption-guard.ts";
import { BridgeState } from "./state.ts";
import type { StatusSnapshot } from "./status-line.ts";
import { GatewaySupervisor } from "./supervisor.ts";

export interface BridgeDeps {
  log: Log;
  clock?: Clock;
  /** Replaces the OpenClaw executor (tests, benchmarks); no gateway is started then. */
  executor?: Executor;
  fetch?: typeof fetch;
  webSocketConstructor?: typeof WebSocket;
  /** Environment for a managed gateway. */
  env?: NodeJS.ProcessEnv;
  /** Poll periods of the run source (tests shorten them). */
  pollIntervalMs?: number;
  reconcileIntervalMs?: number;
  /** Retry backoff of Agent API calls. */
  retry?: { baseDelayMs?: number; maxDelayMs?: number };
  /** Wait before heartbeats, paused for an API without them, are tried again (tests shorten it). */
  heartbeatProbeMs?: number;
  /**
   * After a model failure, whether OpenClaw's config names a model (for the owner's message). Default: asked
   * with OpenClaw's CLI, for a managed gateway run without --model (whose config is the one the bridge knows).
   */
  modelCheck?: Partial<ModelCheckOptions>;
}

export class Bridge {
  readonly metrics: BridgeMetrics;
  readonly instanceId: string;
  /** Settles, with why, once the bridge stopped by itself (its token refused); never otherwise. */
  readonly halted: Promise<Error>;
  #halt: (why: Error) => void = () => {};
  metricsUrl: string | null = null;
  readonly #config: BridgeConfig;
  readonly #deps: BridgeDeps;
  readonly #clock: Clock;
  readonly #state: BridgeState;
  readonly #client: AgentApiClient;
  readonly #source: RunSource;
  readonly #gateway: GatewayClient | null;
  readonly #supervisor: GatewaySupervisor | null;
  readonly #worker: RunWorker;
  readonly #models: ModelCheck | null;
  readonly #resumptions: ResumptionGuard | null;
  readonly #createdAt = new Map<string, number>();
  readonly #claimedAt = new Map<string, number>();
  /** Runs taken back after a restart, until they end. */
  readonly #adopted = new Set<string>();
  readonly #listeners = new Set<(event: WorkerEvent) => void>();
  #server: MetricsServer | null = null;
  #prunedAt = 0;
  /** The Convex URL was found to be no real-time endpoint, and the log said so (once is enough). */
  #saidNotSync = false;
  #stopping: Promise<void> | null = null;
  /** GroupChat refused the token: said once, and the bridge stops. */
  #refused = false;

  private constructor(
    config: BridgeConfig, deps: BridgeDeps, state: BridgeState, gateway: { client: GatewayClient; supervisor: GatewaySupervisor | null } | null,
  ) {
    this.#config = config;
    this.#deps = deps;
    this.#clock = deps.clock ?? systemClock;
    this.#state = state;
    this.instanceId = this.#state.instanceId();
    this.#gateway = gateway?.client ?? null;
    this.#supervisor = gateway?.supervisor ?? null;
    this.#client = new AgentApiClient({
      token: config.agentToken, apiUrl: config.apiUrl, fetch: deps.fetch, clock: this.#clock, retry: deps.retry,
      onRetry: ({ what, attempt, delayMs, error }) => {
        this.metrics.apiRetries++;
        deps.log("debug", "retrying an Agent API call", { what, attempt, delayMs, error: String(error) });
      },
      heartbeatProbeMs: deps.heartbeatProbeMs,
      onHeartbeats: (enabled) => deps.log("info", enabled
        ? "GroupChat takes heartbeats again: leases are renewed"
        : "GroupChat has no heartbeat endpoint: heartbeats paused (tried again now and then)"),
    });
    this.#source = new RunSource({
      client: this.#client, token: config.agentToken, convexUrl: config.convexUrl ?? undefined, clock: this.#clock,
      webSocketConstructor: deps.webSocketConstructor, pollIntervalMs: deps.pollIntervalMs, reconcileIntervalMs: deps.reconcileIntervalMs,
    });
    this.halted = new Promise((resolve) => (this.#halt = resolve));
    this.#source.subscribe((event) => {
      if (event.type === "pending") this.#trackPending(event.runs);
      else if (event.type === "error" && isTokenRefused(event.error)) this.#tokenRefused();
    });
    this.metrics = new BridgeMetrics({
      inFlight: () => this.#worker.stats.active,
      queued: () => this.#worker.stats.queued,
      outboxDepth: () => this.#state.outboxDepth,
      hubConnected: () => this.#source.connected,
      gatewayConnected: () => this.#gateway?.state === "connected",
    });
    this.#resumptions = this.#gateway ? new ResumptionGuard({ gateway: this.#gateway, store: state, clock: this.#clock, log: deps.log }) : null;
    let executor = deps.executor ?? createOpenClawExecutor({
      gateway: this.#gateway!, turns: this.#state, images: this.#state, clock: this.#clock, agentId: config.openclaw.agentId, workRoot: config.workRoot,
      resumptions: this.#resumptions ?? undefined,
      turnTimeoutSeconds: config.turnTimeoutSeconds, progressIntervalMs: config.progressIntervalMs,
      model: config.openclaw.model ?? undefined, thinking: config.openclaw.thinking ?? undefined, log: deps.log,
    });
    let formatError = ownerMessage;
    this.#models = Bridge.#modelCheck(config, deps);
    if (this.#models) ({ executor, formatError } = explainModelFailures(executor, this.#models));
    this.#worker = new RunWorker({
      client: this.#recordingClient(), source: this.#source, executor, concurrency: config.concurrency,
      heartbeatIntervalMs: config.heartbeatIntervalMs, outbox: this.#state, clock: this.#clock, instanceId: this.instanceId,
      formatError, onEvent: (event) => this.#onEvent(event),
    });
  }

  /** Opens everything and starts taking runs. */
  static async start(config: BridgeConfig, deps: BridgeDeps): Promise<Bridge> {
    return (await Bridge.startUnless(config, deps, async () => false))!;
  }

  /**
   * `start`, asking `stopRequested` between its steps (the CLI asks whether a SIGINT/SIGTERM came): at the first
   * yes it closes what it opened and answers null. A signal while the bridge starts thus starts no gateway (when
   * it came before the spawn) and claims no run.
   */
  static async startUnless(config: BridgeConfig, deps: BridgeDeps, stopRequested: () => Promise<boolean>): Promise<Bridge | null> {
    // First, so that a second bridge on this state file stops here, before it touches the first one's gateway.
    const clock = deps.clock ?? systemClock;
    const state = new BridgeState(config.stateFile, { now: () => clock.now() });
    // What a start that ends early (told to stop, or failed) closes, in reverse: nothing it started may outlive it.
    const opened: Array<() => unknown> = [() => state.close()];
    let bridge: Bridge | null = null;
    try {
      let gateway: { client: GatewayClient; supervisor: GatewaySupervisor | null } | null = null;
      if (!deps.executor) {
        let { gatewayUrl: url, gatewayToken: token } = config.openclaw;
        let supervisor: GatewaySupervisor | null = null;
        if (config.openclaw.mode === "managed") {
          supervisor = Bridge.#newSupervisor(config, deps);
          ({ url, token } = await supervisor.prepare());
          if (await stopRequested()) return null;
          supervisor.launch();
          opened.push(() => supervisor!.stop());
        }
        const client = Bridge.#gatewayClient(config, deps, url, token);
        opened.push(() => client.close());
        gateway = { client, supervisor };
      }
      if (await stopRequested()) return null;
      const started = new Bridge(config, deps, state, gateway);
      started.#worker.start();
      started.#recover();
      await started.#serveMetrics();
      return (bridge = started);
    } finally {
      if (!bridge) for (const close of opened.reverse()) await Promise.resolve().then(close).catch(() => undefined);
    }
  }

  static #modelCheck(config: BridgeConfig, deps: BridgeDeps): ModelCheck | null {
    const configPath = config.openclaw.configPath;
    const check = deps.modelCheck?.check ?? (config.openclaw.mode === "managed" && !config.openclaw.model ? async (signal: AbortSignal) => {
      const { primary } = await checkModel(config, deps.env ?? process.env, signal);
      return primary === undefined ? null : { primary: primary ? "set" as const : "unset" as const, configPath };
    } : null);
    return check ? new ModelCheck({ clock: deps.clock ?? systemClock, ...deps.modelCheck, check }) : null;
  }

  static #newSupervisor(config: BridgeConfig, deps: BridgeDeps): GatewaySupervisor {
    return new GatewaySupervisor({
      node: config.openclaw.node, entry: config.openclaw.entry, stateDir: config.openclaw.stateDir, configPath: config.openclaw.configPath,
      port: config.openclaw.port, tools: config.openclaw.tools, env: deps.env, clock: deps.clock, log: deps.log,
    });
  }

  /** A client of the OpenClaw gateway at `url`, connecting (and reconnecting) from now on. */
  static #gatewayClient(config: BridgeConfig, deps: BridgeDeps, url: string, token: string | null): GatewayClient {
    let lastProblem = "";
    // A managed gateway refuses connections while it starts (tens of seconds): not worth a warning yet.
    const clock = deps.clock ?? systemClock;
    let quietUntil = config.openclaw.mode === "managed" ? clock.now() + 120_000 : 0;
    const client = new GatewayClient({
      url, token: token ?? undefined, clock: deps.clock,
      onState: (state, detail) => {
        // Each new reason to be disconnected is worth a warning (a wrong token, a stopped gateway); repeats are not.
        const problem = state === "disconnected" && detail && detail !== lastProblem && clock.now() >= quietUntil;
        if (state === "connected") [lastProblem, quietUntil] = ["", 0];
        else if (problem) lastProblem = detail;
        deps.log(state === "connected" ? "info" : problem ? "warn" : "debug", `OpenClaw gateway ${state}`, detail ? { url, detail } : { url });
      },
    });
    client.start();
    return client;
  }

  async #serveMetrics(): Promise<void> {
    const { metrics } = this.#config;
    if (!metrics) return;
    const where = `${metrics.host}:${metrics.port}`;
    let server: MetricsServer;
    try {
      server = await serveMetrics(this.metrics.exposition, metrics.host, metrics.port).catch(async (error: unknown) => {
        // The default port taken (another bridge on this machine, most likely): any free one, said where.
        if ((error as { code?: string }).code !== "EADDRINUSE" || metrics.chosen) throw error;
        const elsewhere = await serveMetrics(this.metrics.exposition, metrics.host, 0);
        this.#deps.log("info", `metrics at ${elsewhere.url}: ${where} is taken (another bridge's?); --metrics (GROUPCHAT_BRIDGE_METRICS) chooses where`);
        return elsewhere;
      });
    } catch (error) {
      this.#deps.log("warn", `metrics not served: ${(error as Error).message}; --metrics (GROUPCHAT_BRIDGE_METRICS) chooses where, HOST:0 any free port`, { metrics: where });
      return;
    }
    // Stopped while it was opening (a refused token): `stop` found no server to close.
    if (this.#stopping) return void (await server.close());
    this.#server = server;
    this.metricsUrl = server.url;
  }

  get gatewayState(): string {
    return this.#gateway?.state ?? "not used";
  }

  get gateway(): GatewayClient | null {
    return this.#gateway;
  }

  status(): StatusSnapshot {
    const stats = this.#worker.stats;
    return {
      realtime: this.#source.connected, gateway: this.gatewayState, inFlight: stats.active, queued: stats.queued,
      done: this.metrics.runs.get("finished") ?? 0, failed: (this.metrics.runs.get("failed") ?? 0) + (this.metrics.runs.get("aborted") ?? 0),
      stopped: this.metrics.runs.get("stopped") ?? 0, outbox: this.#state.outboxDepth,
    };
  }

  /** Worker events, for tests and the CLI. */
  onEvent(listener: (event: WorkerEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Stops claiming, lets in-flight runs finish for up to `graceMs`, then aborts
   * them and ends them with an error; closes everything. Idempotent.
   */
  stop(options: { graceMs?: number } = {}): Promise<void> {
    this.#stopping ??= (async () => {
      this.#supervisor?.holdRestarts();
      await this.#worker.stop({ graceMs: options.graceMs ?? this.#config.graceMs });
      this.#models?.close();
      this.#resumptions?.close();
      await this.#gateway?.close();
      await this.#supervisor?.stop();
      await this.#server?.close();
      this.#state.close();
    })();
    return this.#stopping;
  }

  /**
   * A token that is refused (rotated or revoked, or its agent deleted) stays refused, and only a start with another one
   * can change that: this process can claim and report nothing more, so it says so once and stops in order, asking
   * GroupChat nothing more meanwhile (no polling, no real-time socket, no heartbeat or lifecycle call: each would only
   * be refused). Runs in flight finish within the grace period; what they report waits in the state file, with the
   * calls it could not deliver, for a start with the agent's current token.
   */
  #tokenRefused(): void {
    if (this.#refused) return;
    this.#refused = true;
    void this.#source.close();
    if (this.#stopping) return;
    const why = new Error("GroupChat refused the agent token (rotated or revoked, or the agent deleted?). Set GROUPCHAT_AGENT_TOKEN to the agent's current token (a new agent's, if it was deleted) and start the bridge again; what it could not deliver is kept in the state file.");
    this.#deps.log("error", why.message);
    // A failed stop is the caller's to see (its own `stop()` gets the same promise); the halt is said all the same.
    void this.stop().catch(() => undefined).then(() => this.#halt(why));
  }

  /** Takes back the runs this bridge had started before it went down. */
  #recover(): void {
    const stored = this.#state.runs();
    const adopt: string[] = [];
    for (const run of stored) {
      // Its final call is in the outbox: delivering it (the worker's courier does) is all that is left.
      if (this.#state.hasFinalCall(run.runId)) this.#state.forget(run.runId);
      else adopt.push(run.runId);
    }
    if (adopt.length) {
      this.#deps.log("info", `taking back ${adopt.length} run(s) started before a restart`, { runIds: adopt });
      // Those recorded as claimed were started for sure: a 409 RUNNING for them is still ours.
      for (const runId of adopt) this.#adopted.add(runId);
      this.#worker.adopt(adopt, { started: stored.filter((run) => run.phase === "claimed").map((run) => run.runId) });
    }
  }

  /**
   * The API client, with each claim noted in the state file before it is sent (and replayed with its first body). Once
   * the token is refused the worker sends nothing through it (its calls fail unsent with that refusal, a 401 the
   * courier holds what it carries for).
   */
  #recordingClient(): RunWorkerOptions["client"] {
    const client = this.#client;
    const state = this.#state;
    return {
      start: (runId, body, options) => client.start(runId, state.claiming(runId, body), options),
      run: (runId, options) => client.run(runId, options),
      comment: (runId, body, options) => client.comment(runId, body, options),
      complete: (runId, result, options) => client.complete(runId, result, options),
      error: (runId, result, options) => client.error(runId, result, options),
      heartbeat: (runId, options) => client.heartbeat(runId, options),
    };
  }

  #onEvent(event: WorkerEvent): void {
    const now = this.#clock.now();
    const log = this.#deps.log;
    switch (event.type) {
      case "claimed": {
        this.#state.claimed(event.runId);
        this.#claimedAt.set(event.runId, now);
        const since = this.#createdAt.get(event.runId);
        if (since !== undefined) this.metrics.pickup.observe(Math.max(0, now - since) / 1000);
        this.#createdAt.delete(event.runId);
        log("info", "claimed a run", { runId: event.runId });
        break;
      }
      case "skipped":
        void this.#abortLeftTurn(event.runId);
        this.#end(event.runId, "skipped", now);
        log("debug", "another agent has this run", { runId: event.runId });
        break;
      case "refused":
        // Noted before its claim was sent: kept, it would be claimed again (and refused again) at every start.
        this.#state.forget(event.runId);
        this.#adopted.delete(event.runId);
        this.#createdAt.delete(event.runId);
        log("warn", "GroupChat refused to let this agent claim a run; left it", { runId: event.runId, status: event.status, error: event.message });
        break;
      case "finished":
      case "stopped":
      case "aborted":
        if (event.type === "stopped") void this.#abortLeftTurn(event.runId);
        this.#end(event.runId, event.type, now);
        log("info", `run ${event.type}`, { runId: event.runId });
        break;
      case "failed":
        this.#end(event.runId, "failed", now);
        log("warn", "run failed", { runId: event.runId, error: describe(event.error) });
        break;
      case "connection":
        log(event.connected ? "info" : "warn", event.connected ? "GroupChat real-time connected" : "GroupChat real-time disconnected; polling");
        break;
      case "error":
        // Said once, by `#tokenRefused`: every call after it gets the same answer.
        if (isTokenRefused(event.error)) {
          this.#tokenRefused();
          break;
        }
        // A GROUPCHAT_CONVEX_URL that is no real-time endpoint: said once, as the configuration mistake it is.
        if (isNotSyncEndpoint(event.error)) {
          if (!this.#saidNotSync) log("error", event.error.message, { convexUrl: event.error.convexUrl, status: event.error.httpStatus });
          this.#saidNotSync = true;
          break;
        }
        log("warn", "bridge error", { ...(event.runId ? { runId: event.runId } : {}), error: describe(event.error) });
        break;
      default:
        event satisfies never;
    }
    for (const listener of this.#listeners) listener(event);
  }

  /**
   * A run taken back after a restart that had ended meanwhile (its owner stopped it while the bridge was down): the
   * OpenClaw turn the bridge had begun for it must stop too, or it runs its tools on to its time limit for nothing.
   * (A run stopped while its executor runs is aborted by the executor itself.)
   */
  async #abortLeftTurn(runId: string): Promise<void> {
    const gateway = this.#gateway;
    // Read now: `#end` forgets the run's turn right after this call.
    const turn = this.#state.turnOf(runId);
    if (!this.#adopted.has(runId) || !gateway || !turn) return;
    try {
      // The turn's session is the run's task's: kept with the turn, or (an older bridge's turn) read from the API,
      // which cannot tell it once the task is deleted.
      const sessionKey = turn.sessionKey ?? sessionKeyFor(taskIdOf(await this.#client.run(runId)), this.#config.openclaw.agentId);
      this.#resumptions?.forbid(sessionKey, turn.bootId);
      await abortTurn(gateway, sessionKey, turnKeyFor(runId));
      this.#deps.log("info", "aborted the OpenClaw turn of a run that ended while the bridge was down", { runId });
    } catch (error) {
      this.#deps.log("warn", "could not abort the OpenClaw turn of a run that ended while the bridge was down", { runId, error: describe(error) });
    }
  }

  #end(runId: string, outcome: Outcome, now: number): void {
    this.#state.forget(runId);
    this.#adopted.delete(runId);
    this.metrics.outcome(outcome);
    const claimedAt = this.#claimedAt.get(runId);
    if (claimedAt !== undefined && outcome !== "skipped") this.metrics.executor.observe((now - claimedAt) / 1000);
    this.#claimedAt.delete(runId);
    this.#createdAt.delete(runId);
  }

  /** Notes when each pending run was created (or first seen), for the pickup latency. */
  #trackPending(runs: ReadonlyArray<{ id: string; createdAt?: number }>): void {
    const now = this.#clock.now();
    // A run this bridge never claimed (another agent's worker did, or a stale list showed one it had ended)
    // is forgotten after an hour, so the map stays as small as the work in sight.
    if (now - this.#prunedAt > 60_000) {
      this.#prunedAt = now;
      for (const [runId, at] of this.#createdAt) if (now - at > 3_600_000) this.#createdAt.delete(runId);
    }
    for (const run of runs) {
      if (this.#createdAt.has(run.id) || this.#claimedAt.has(run.id)) continue;
      const created = run.createdAt;
      this.#createdAt.set(run.id, created !== undefined && created <= now && now - created < 3_600_000 ? created : now);
    }
  }
}

function describe(error: unknown): string {
  // A cause the message already tells (the SDK's "fetch failed (connect ECONNREFUSED …)") is not said twice.
  if (error instanceof Error) return error.cause instanceof Error && !error.message.includes(error.cause.message) ? `${error.message} (${error.cause.message})` : error.message;
  return String(error);
}
