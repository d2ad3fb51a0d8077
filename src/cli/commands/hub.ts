import { resolveHubConfig, type HubConfig } from "../../hub/config.ts";
import { createHub, type Hub } from "../../hub/hub.ts";
import { thisInvocation } from "../../invocation.ts";
import { parse, UsageError } from "../main.ts";
import { Shutdown } from "../shutdown.ts";

/** `hub`: serves the hub until SIGINT/SIGTERM. */
export async function hubCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(args);
  if (positionals.length) throw new UsageError(`Unexpected argument "${positionals[0]}"`);
  const config = resolveHubConfig({
    data: values.data, port: values.port, host: values.host, staleAfter: values["stale-after"], logLevel: values["log-level"],
    writer: values.writer, database: values.database, metricsPort: values["metrics-port"], metricsHost: values["metrics-host"], publicUrl: values["public-url"], trustProxy: values["trust-proxy"],
    uploadGrace: values["upload-grace"], uploadQuota: values["upload-quota"], syncMaxConnections: values["sync-max-connections"],
    syncMaxConnectionsPerIp: values["sync-max-connections-per-ip"], syncMaxConnectionsPerPrincipal: values["sync-max-connections-per-principal"],
  });
  // Before anything starts: a signal while the hub starts closes it cleanly instead of killing it.
  const shutdown = new Shutdown();
  const hub = await startOrClose(shutdown, config);
  if (!hub) return 0;
  const { baseUrl, metricsUrl, publicUrl } = hub.urls();
  const writes = config.writer === "local" ? "on the HTTP thread" : "on a writer thread";
  const where = config.database.kind === "postgres" ? `PostgreSQL ${config.database.display}${config.database.schema ? `, schema ${config.database.schema}` : ""}` : config.database.file;
  console.log(`GroupChat hub listening on ${baseUrl} (data in ${where}; credentials in ${config.dataDir}; writes ${writes})`);
  // Before the URLs: whoever waits for those (scripts, tests) has this line by then.
  if (metricsUrl) console.log(`Prometheus metrics: ${metricsUrl}`);
  // What agents elsewhere use: the public address when there is one.
  console.log(`GROUPCHAT_API_URL=${publicUrl}/api/v1/agent`);
  console.log(`GROUPCHAT_CONVEX_URL=${publicUrl}`);
  console.log(`Web UI sign-in (one use, 15 minutes; \`hub login\` prints another): ${await hub.loginLink()}`);
  await shutdown.requested();
  await hub.close();
  return 0;
}

/**
 * Makes the hub and has it listen, unless a signal comes first: then it closes what it made,
 * after the step the signal came in (the database open, its migrations), and answers null. A
 * signal while the hub starts thus never opens its port, nor has it print that it serves.
 */
export async function startOrClose(shutdown: Shutdown, config: HubConfig): Promise<Hub | null> {
  const hub = await createHub(config, { cli: thisInvocation() });
  if (!(await shutdown.receivedByNow())) {
    await listenOrClose(hub);
    if (!(await shutdown.receivedByNow())) return hub;
  }
  await hub.close();
  return null;
}

/** Listens, or closes the hub (its database, its writer, the data dir's lock) and rethrows. */
async function listenOrClose(hub: Hub): Promise<void> {
  try {
    await hub.listen();
  } catch (error) {
    await hub.close().catch(() => undefined);
    throw error;
  }
}
