import { resolveHubConfig } from "../../hub/config.ts";
import { createHub } from "../../hub/hub.ts";
import { credentialsFile } from "../../hub/setup.ts";
import { parse, UsageError } from "../main.ts";
import { untilSignal } from "./hub.ts";

/**
 * The README's main job: a local hub on embedded SQLite, with everything an
 * agent needs to connect printed. (The OpenClaw bridge joins it here once built.)
 */
export async function startCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(args);
  if (positionals.length) throw new UsageError(`Unexpected argument "${positionals[0]}"`);
  const config = resolveHubConfig({ data: values.data, port: values.port, host: values.host, logLevel: values["log-level"] ?? "warn" });
  const hub = await createHub(config);
  await hub.listen();
  const { baseUrl, apiUrl, convexUrl } = hub.urls();
  console.log(`GroupChat hub: ${baseUrl}  (data: ${config.dataDir})`);
  console.log(`Open the web UI (one-time sign-in link, 15 minutes; \`hub login\` prints another):\n  ${await hub.loginLink()}`);
  console.log(`Credentials (owner and agent tokens): ${credentialsFile(config.dataDir)}`);
  console.log("\nConnect an agent with:");
  console.log(`  GROUPCHAT_AGENT_TOKEN=<agentToken from the credentials file>`);
  console.log(`  GROUPCHAT_API_URL=${apiUrl}`);
  console.log(`  GROUPCHAT_CONVEX_URL=${convexUrl}`);
  console.log("\nPress Ctrl+C to stop.");
  await untilSignal(hub);
  return 0;
}
