import { parseArgs } from "node:util";
import { checkAgentApi } from "../../bridge/api-check.ts";
import { Bridge } from "../../bridge/bridge.ts";
import { resolveBridgeConfig, type BridgeConfig, type BridgeFlags } from "../../bridge/config.ts";
import { createLog, type Log } from "../../bridge/log.ts";
import { BridgeStartError } from "../../bridge/state.ts";
import { StatusLine } from "../../bridge/status-line.ts";
import { systemClock } from "../../sdk/clock.ts";
import { UsageError } from "../main.ts";
import { Shutdown } from "../shutdown.ts";

export const bridgeFlags = {
  token: { type: "string" }, "api-url": { type: "string" }, "convex-url": { type: "string" },
  state: { type: "string" }, workdir: { type: "string" }, concurrency: { type: "string" }, grace: { type: "string" },
  "turn-timeout": { type: "string" }, "progress-interval": { type: "string" },
  openclaw: { type: "string" }, "gateway-url": { type: "string" }, "gateway-token": { type: "string" },
  "openclaw-config": { type: "string" }, "openclaw-state": { type: "string" }, "openclaw-port": { type: "string" },
  "openclaw-agent": { type: "string" }, model: { type: "string" }, thinking: { type: "string" },
  "tools-profile": { type: "string" }, "tools-allow": { type: "string" }, "tools-deny": { type: "string" },
  metrics: { type: "string" }, "log-level": { type: "string" }, "log-format": { type: "string" }, "env-file": { type: "string" },
  "status-line": { type: "boolean" }, "no-status-line": { type: "boolean" },
} as const;

/** `bridge`: connects an OpenClaw agent to GroupChat until SIGINT/SIGTERM. */
export async function bridgeCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: bridgeFlags, allowPositionals: true, strict: true });
  if (positionals.length) throw new UsageError(`Unexpected argument "${positionals[0]}"`);
  const config = resolveBridgeConfig(values as BridgeFlags, { isTTY: Boolean(process.stderr.isTTY) });
  const { log, statusLine, attach } = bridgeLog(config);
  // Before the bridge starts (it may spawn a managed gateway): a signal meanwhile stops it cleanly.
  const shutdown = new Shutdown();
  // A wrong API URL or token stops it here, in one line (main exits 1), before a gateway starts; an API that does
  // not answer yet may come up, so the bridge goes on.
  const api = await checkAgentApi(config, { signal: shutdown.signal });
  if (!api.ok && api.final && !shutdown.signal.aborted) throw new BridgeStartError(api.problem);
  if (!api.ok && !shutdown.signal.aborted) log("warn", `${api.problem} The bridge starts anyway and keeps trying.`);
  // Asked between the start's steps: a signal that came stops it there (no gateway started, no run claimed).
  const bridge = await Bridge.startUnless(config, { log, env: process.env }, () => shutdown.receivedByNow());
  if (!bridge) {
    log("info", `${shutdown.received}: stopped while starting`);
    return 0;
  }
  attach(bridge);
  log("info", "bridge started", {
    instanceId: bridge.instanceId, api: config.apiUrl, realtime: config.convexUrl ?? "off (polling)",
    openclaw: config.openclaw.mode, state: config.stateFile, metrics: bridge.metricsUrl ?? "off",
  });
  statusLine?.start();
  return stopOnRequest(shutdown, bridge, log, statusLine);
}

/** Structured logs, or (in a terminal) text logs above a live status line. */
export function bridgeLog(config: BridgeConfig, secrets: string[] = []): { log: Log; statusLine: StatusLine | null; attach(bridge: Bridge): void } {
  let bridge: Bridge | null = null;
  const statusLine = config.statusLine
    ? new StatusLine({ stream: process.stderr, clock: systemClock, snapshot: () => bridge!.status() })
    : null;
  const log = createLog({
    level: config.logLevel, format: config.logFormat, secrets: [config.agentToken, ...(config.openclaw.gatewayToken ? [config.openclaw.gatewayToken] : []), ...secrets],
    write: statusLine ? (line) => statusLine.print(line) : undefined,
  });
  // The status line reads the bridge, which exists only after it started (and logged).
  return { log, statusLine, attach: (b: Bridge) => void (bridge = b) };
}

/**
 * First SIGINT/SIGTERM: stop claiming, let in-flight runs finish within the
 * grace period, then end them with an error; then `alsoClose`. A second signal
 * forces the exit (the state file lets the next start take the runs back).
 * A bridge that stopped by itself (its token refused) closes the same way;
 * answers the exit code: 1 then, else 0.
 */
export async function stopOnRequest(
  shutdown: Shutdown,
  bridge: Bridge,
  log: Log,
  statusLine: StatusLine | null,
  alsoClose: () => Promise<void> = async () => {},
): Promise<number> {
  shutdown.onForce(() => {
    log("warn", `${shutdown.received ?? "signal"} again: exiting now; unfinished runs are taken back at the next start`);
    statusLine?.stop();
  });
  const signal = await Promise.race([shutdown.requested(), bridge.halted.then(() => null)]);
  if (signal) log("info", `${signal}: finishing in-flight runs (send it again to force)`);
  try {
    await bridge.stop();
    await alsoClose();
  } finally {
    statusLine?.stop();
  }
  log("info", "bridge stopped");
  return signal ? 0 : 1;
}
