/** A client, a polling (or real-time) source and a worker on one test hub, closed together. */
import { AgentApiClient } from "../../../src/sdk/client.ts";
import { RunSource, type RunSourceOptions } from "../../../src/sdk/run-source.ts";
import { RunWorker, type Executor, type RunWorkerOptions, type WorkerEvent } from "../../../src/sdk/worker.ts";
import type { TestHub } from "../../support/hub.ts";
import { EventLog } from "./runs.ts";

export interface TestAgent {
  client: AgentApiClient;
  source: RunSource;
  worker: RunWorker;
  events: EventLog<WorkerEvent>;
  /** Ids of the runs with an event of `type` (from this agent, unless its log is shared). */
  ids(type: WorkerEvent["type"]): string[];
}

export function startAgent(
  t: TestHub,
  executor: Executor,
  options: {
    client?: AgentApiClient;
    source?: Partial<RunSourceOptions>;
    worker?: Partial<RunWorkerOptions>;
    realtime?: boolean;
    events?: EventLog<WorkerEvent>;
  } = {},
): TestAgent {
  const client = options.client ?? new AgentApiClient({ token: t.creds.agentToken, apiUrl: t.apiUrl, retry: { baseDelayMs: 10, maxDelayMs: 100 } });
  const source = new RunSource({
    client, token: t.creds.agentToken, pollIntervalMs: 25, reconcileIntervalMs: 25,
    convexUrl: options.realtime ? t.hub.urls().convexUrl : undefined, ...options.source,
  });
  const events = options.events ?? new EventLog<WorkerEvent>();
  const worker = new RunWorker({ client, source, executor, heartbeatIntervalMs: 50, goneCheckMs: 10, onEvent: events.push, ...options.worker });
  worker.start();
  const ids = (type: WorkerEvent["type"]) => events.events.flatMap((e) => (e.type === type && "runId" in e && e.runId ? [e.runId] : []));
  return { client, source, worker, events, ids };
}
