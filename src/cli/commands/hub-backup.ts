import { backUp } from "../../hub/backup.ts";
import { resolveHubConfig } from "../../hub/config.ts";
import { thisInvocation } from "../../invocation.ts";
import { parseArgs } from "node:util";
import { hubFlags, UsageError } from "../main.ts";

/** `hub backup --out DEST`: the data dir copied whole and consistent, while the hub serves or not. */
export async function hubBackupCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: { ...hubFlags, out: { type: "string" } }, allowPositionals: true, strict: true });
  if (positionals.length) throw new UsageError(`Unexpected argument "${positionals[0]}"`);
  if (!values.out) throw new UsageError("hub backup needs --out DIR: a new directory for the copy");
  const config = resolveHubConfig({ data: values.data, logLevel: "silent", database: values.database });
  const backup = await backUp(config, values.out);
  if (values.json) {
    console.log(JSON.stringify(backup, null, 2));
  } else {
    console.log(`Backed up ${config.dataDir} to ${backup.dir} (hub.sqlite, ${(backup.databaseBytes / 1e6).toFixed(1)} MB, integrity checked; credentials.json).`);
    console.log(`To restore, serve the copy: ${thisInvocation().join(" ")} hub --data ${backup.dir}`);
  }
  return 0;
}
