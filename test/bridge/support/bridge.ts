/** A bridge on a test hub: its own state file and work dir, short poll periods, logs kept in memory. */
import { join } from "node:path";
import { Bridge, type BridgeDeps } from "../../../src/bridge/bridge.ts";
import { resolveBridgeConfig, type BridgeFlags } from "../../../src/bridge/config.ts";
import { createLog } from "../../../src/bridge/log.ts";
import type { Executor, WorkerEvent } from "../../../src/sdk/index.ts";
import type { TestHub } from "../../support/hub.ts";
import { EventLog } from "../../sdk/support/runs.ts";
import { tempDir } from "../../support/temp.ts";

export interface TestBridge {
  bridge: Bridge;
  events: EventLog<WorkerEvent>;
  logs: string[];
  stateFile: string;
  ids(type: WorkerEvent["type"]): string[];
  stop(graceMs?: number): Promise<void>;
}

export interface TestBridgeOptions {
  executor?: Executor;
  gateway?: { url: string; token: string };
  stateFile?: string;
  /** The agent token (default: the test hub's agent's). */
  token?: string;
  apiUrl?: string;
  realtime?: boolean;
  flags?: BridgeFlags;
  events?: EventLog<WorkerEvent>;
  /** Environment of a managed gateway. */
  env?: NodeJS.ProcessEnv;
  /** Heartbeat period while a run works (the bridge's is a minute). */
  heartbeatIntervalMs?: number;
  /** Further test knobs (probe and re-read waits). */
  deps?: Partial<BridgeDeps>;
}

export async function startTestBridge(t: TestHub, o: TestBridgeOptions = {}): Promise<TestBridge> {
  const dir = tempDir("gc-bridge-");
  const stateFile = o.stateFile ?? join(dir, "bridge.sqlite");
  const env: NodeJS.ProcessEnv = {
    GROUPCHAT_AGENT_TOKEN: o.token ?? t.creds.agentToken,
    GROUPCHAT_API_URL: o.apiUrl ?? t.apiUrl,
    ...(o.realtime === false ? {} : { GROUPCHAT_CONVEX_URL: t.hub.urls().convexUrl }),
    ...(o.gateway ? { OPENCLAW_GATEWAY_URL: o.gateway.url, OPENCLAW_GATEWAY_TOKEN: o.gateway.token } : {}),
  };
  const resolved = resolveBridgeConfig({ state: stateFile, workdir: join(dir, "tasks"), metrics: "127.0.0.1:0", "progress-interval": "1s", ...o.flags }, { env, cwd: dir });
  const config = o.heartbeatIntervalMs ? { ...resolved, heartbeatIntervalMs: o.heartbeatIntervalMs } : resolved;
  const logs: string[] = [];
  const log = createLog({ level: "debug", format: "json", write: (line) => logs.push(line), secrets: [o.token ?? t.creds.agentToken] });
  const bridge = await Bridge.start(config, { log, executor: o.executor, env: o.env, pollIntervalMs: 50, reconcileIntervalMs: 200, retry: { baseDelayMs: 20, maxDelayMs: 200 }, ...o.deps });
  const events = o.events ?? new EventLog<WorkerEvent>();
  bridge.onEvent(events.push);
  const ids = (type: WorkerEvent["type"]) => events.events.flatMap((e) => (e.type === type && "runId" in e && e.runId ? [e.runId] : []));
  return { bridge, events, logs, stateFile, ids, stop: (graceMs = 0) => bridge.stop({ graceMs }) };
}
