/** A real agent on our SDK for the UI tests: the stock Convex client for runs, the Agent API for the rest. */
import { AgentApiClient, RunSource, RunWorker, type Executor } from "../../../src/sdk/index.ts";
import type { TestHub } from "../../support/hub.ts";

const HOUR = 3_600_000;

export function startSdkAgent(t: TestHub, token: string, executor: Executor): { worker: RunWorker; source: RunSource } {
  const { apiUrl, convexUrl } = t.hub.urls();
  const client = new AgentApiClient({ token, apiUrl });
  // Polling only as a rare reconciliation: runs must arrive through the socket for the test's timing to mean anything.
  const source = new RunSource({ client, token, convexUrl, pollIntervalMs: HOUR, reconcileIntervalMs: HOUR });
  const worker = new RunWorker({ client, source, executor, heartbeatIntervalMs: HOUR });
  worker.start();
  return { worker, source };
}
