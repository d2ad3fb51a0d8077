import { basename, dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { Bridge } from "../../bridge/bridge.ts";
import { checkModel } from "../../bridge/checks.ts";
import { resolveBridgeConfig } from "../../bridge/config.ts";
import { runtimePaths } from "../../bridge/runtime.ts";
import { resolveHubConfig } from "../../hub/config.ts";
import { credentialsFile } from "../../hub/setup.ts";
import { thisInvocation } from "../../invocation.ts";
import { hubFlags, UsageError } from "../main.ts";
import { Shutdown } from "../shutdown.ts";
import { bridgeLog, stopOnRequest } from "./bridge.ts";
import { startOrClose } from "./hub.ts";

/**
 * The README's main job: a local hub on embedded SQLite and the OpenClaw bridge
 * together (the bridge uses the hub's first agent and a managed OpenClaw
 * gateway, or the user's when OPENCLAW_GATEWAY_URL is set). Without a model
 * configured for OpenClaw it still starts, and says what to configure.
 */
export async function startCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args, allowPositionals: true, strict: true,
    options: { ...hubFlags, "no-bridge": { type: "boolean" }, "openclaw-config": { type: "string" } },
  });
  if (positionals.length) throw new UsageError(`Unexpected argument "${positionals[0]}"`);
  const config = resolveHubConfig({
    data: values.data, port: values.port, host: values.host, staleAfter: values["stale-after"], logLevel: values["log-level"], writer: values.writer, database: values.database,
    metricsPort: values["metrics-port"], metricsHost: values["metrics-host"], publicUrl: values["public-url"], trustProxy: values["trust-proxy"],
    uploadGrace: values["upload-grace"], uploadQuota: values["upload-quota"], syncMaxConnections: values["sync-max-connections"],
    syncMaxConnectionsPerIp: values["sync-max-connections-per-ip"], syncMaxConnectionsPerPrincipal: values["sync-max-connections-per-principal"],
  });
  // Before anything starts: a signal while the hub or the bridge starts (a managed gateway
  // among it) stops what started, instead of an abrupt exit that would leave the gateway running.
  const shutdown = new Shutdown();
  const hub = await startOrClose(shutdown, config);
  if (!hub) return 0;
  const { baseUrl, apiUrl, convexUrl, metricsUrl } = hub.urls();
  console.log(`GroupChat hub: ${baseUrl}  (data: ${config.dataDir})`);
  if (metricsUrl) console.log(`Hub metrics: ${metricsUrl}`);
  console.log(`Open the web UI (one-time sign-in link, 15 minutes; \`hub login\` prints another):\n  ${await hub.loginLink()}`);
  console.log(`Credentials (owner and agent tokens): ${credentialsFile(config.dataDir)}`);

  const withBridge = !values["no-bridge"] && process.env.GROUPCHAT_START_BRIDGE !== "0";
  if (withBridge && !runtimePaths().installed && !process.env.OPENCLAW_GATEWAY_URL) {
    console.log("\nOpenClaw is not installed under runtime/ (npm install puts it there, unless OPENCLAW_GROUPCHAT_SKIP_RUNTIME=1), so the bridge is off; the hub runs alone.");
  }
  if (!withBridge || (!runtimePaths().installed && !process.env.OPENCLAW_GATEWAY_URL)) {
    console.log("\nConnect an agent with:");
    console.log(`  GROUPCHAT_AGENT_TOKEN=<agentToken from the credentials file>`);
    console.log(`  GROUPCHAT_API_URL=${hub.urls().publicUrl}/api/v1/agent`);
    console.log(`  GROUPCHAT_CONVEX_URL=${hub.urls().publicUrl}`);
    console.log("\nPress Ctrl+C to stop.");
    await shutdown.requested();
    await hub.close();
    return 0;
  }
  if (await shutdown.receivedByNow()) {
    await hub.close();
    return 0;
  }

  // Beside the default hub dir (.data/hub → .data/bridge, the bridge's own default); inside any
  // other data dir, so two hubs started with different --data never share a bridge state.
  const bridgeDir = basename(config.dataDir) === "hub" ? join(dirname(config.dataDir), "bridge") : join(config.dataDir, "bridge");
  // A bridge that cannot start (a bad GROUPCHAT_BRIDGE_* setting, a state file in use) closes the hub too.
  const { bridgeConfig, bridge, log, statusLine } = await (async () => {
    const bridgeConfig = resolveBridgeConfig({
      token: hub.credentials.agentToken, "api-url": apiUrl, "convex-url": convexUrl,
      state: join(bridgeDir, "bridge.sqlite"), workdir: join(bridgeDir, "tasks"), "openclaw-state": join(bridgeDir, "openclaw"),
      ...(values["openclaw-config"] ? { "openclaw-config": values["openclaw-config"] } : {}),
      ...(values["log-level"] ? { "log-level": values["log-level"] } : {}),
    }, { isTTY: Boolean(process.stderr.isTTY) });
    const { log, statusLine, attach } = bridgeLog(bridgeConfig);
    // Asked between the bridge's start steps too: a signal that came stops it there, the hub with it.
    const bridge = await Bridge.startUnless(bridgeConfig, { log, env: process.env }, () => shutdown.receivedByNow());
    if (bridge) attach(bridge);
    return { bridgeConfig, bridge, log, statusLine };
  })().catch(async (error: unknown) => {
    await hub.close().catch(() => undefined);
    throw error;
  });

  if (!bridge) {
    await hub.close();
    return 0;
  }
  const o = bridgeConfig.openclaw;
  console.log(`\nOpenClaw bridge: agent "OpenClaw Bot" ↔ ${o.mode === "managed" ? `a managed OpenClaw gateway (state in ${o.stateDir}; log ${join(o.stateDir, "gateway.log")})` : o.gatewayUrl}`);
  if (bridge.metricsUrl) console.log(`Bridge metrics: ${bridge.metricsUrl}`);
  // OpenClaw's CLI reads the config (seconds): a signal meanwhile ends it, and start stops without a word more.
  const model = await checkModel(bridgeConfig, process.env, shutdown.signal);
  if (!shutdown.signal.aborted) {
    if (model.ok) console.log(`OpenClaw model: ${model.detail.replace(/^primary model /, "")} (from ${o.configPath})`);
    else {
      console.log(`\nOpenClaw has no model to use yet (${model.detail}).`);
      console.log(`  ${model.fix}`);
      // OpenClaw reloads its config file when it changes: the next run uses the model, no restart (an env key needs one).
      console.log("  Runs delegated before that end with an error that says so; the next run after you set it uses it (no restart).");
    }
    console.log("\nDelegate a task to \"OpenClaw Bot\" in the web UI. Press Ctrl+C to stop (twice to force).");
    statusLine?.start();
  }
  const code = await stopOnRequest(shutdown, bridge, log, statusLine);
  if (code !== 0) {
    // The bridge stopped by itself: OpenClaw Bot's token was rotated or the agent deleted, most likely in this
    // hub's own web UI. The hub is what the owner is using: it serves on until asked to stop.
    log("error", `The hub serves on at ${convexUrl}, without the bridge: "OpenClaw Bot" has a new token (or was deleted). `
      + `Run the bridge with the token the web UI showed: GROUPCHAT_AGENT_TOKEN=… GROUPCHAT_API_URL=${apiUrl} GROUPCHAT_CONVEX_URL=${convexUrl} ${thisInvocation().join(" ")} bridge. `
      + "Press Ctrl+C to stop the hub.");
    await shutdown.requested();
  }
  await hub.close();
  return 0;
}
