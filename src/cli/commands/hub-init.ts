import { resolveHubConfig } from "../../hub/config.ts";
import { createHub } from "../../hub/hub.ts";
import { credentialsFile } from "../../hub/setup.ts";
import { parse, UsageError } from "../main.ts";

/** `hub init`: sets up DIR (or finds it set up) and prints its credentials. */
export async function hubInitCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(args);
  if (positionals.length) throw new UsageError(`Unexpected argument "${positionals[0]}"`);
  const config = resolveHubConfig({ data: values.data, logLevel: "silent", database: values.database });
  const hub = await createHub(config, { writer: "local" });
  await hub.close();
  if (values.json) console.log(JSON.stringify(hub.credentials, null, 2));
  else console.log(`Hub data in ${config.dataDir}; credentials in ${credentialsFile(config.dataDir)} (keep them secret).`);
  return 0;
}
