import { resolveHubConfig } from "../../hub/config.ts";
import { createHub, type Hub } from "../../hub/hub.ts";
import { parse, UsageError } from "../main.ts";

/** `hub`: serves the hub until SIGINT/SIGTERM. */
export async function hubCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(args);
  if (positionals.length) throw new UsageError(`Unexpected argument "${positionals[0]}"`);
  const config = resolveHubConfig({
    data: values.data, port: values.port, host: values.host, staleAfter: values["stale-after"], logLevel: values["log-level"],
    writer: values.writer,
  });
  const hub = await createHub(config);
  // Before listening: a SIGTERM as soon as the URLs are out must still close the hub cleanly.
  const stopped = untilSignal(hub);
  await hub.listen();
  const { baseUrl, apiUrl, convexUrl } = hub.urls();
  const writes = config.writer === "local" ? "on the HTTP thread" : "on a writer thread";
  console.log(`GroupChat hub listening on ${baseUrl} (data in ${config.dataDir}; writes ${writes})`);
  console.log(`GROUPCHAT_API_URL=${apiUrl}`);
  console.log(`GROUPCHAT_CONVEX_URL=${convexUrl}`);
  console.log(`Web UI sign-in (one use, 15 minutes; \`hub login\` prints another): ${await hub.loginLink()}`);
  await stopped;
  return 0;
}

/** Resolves after the first SIGINT/SIGTERM has closed the hub; a second signal forces exit. */
export function untilSignal(hub: Hub): Promise<void> {
  return new Promise((resolve) => {
    let stopping = false;
    const stop = () => {
      if (stopping) process.exit(130);
      stopping = true;
      hub.close().then(resolve, (error) => {
        console.error(error);
        process.exit(1);
      });
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
}
