import { parseArgs } from "node:util";
import { resolveHubConfig } from "../../hub/config.ts";
import { HubError } from "../../hub/errors.ts";
import { createHub, loginUrl } from "../../hub/hub.ts";
import { servedUrl } from "../../hub/served-url.ts";
import { requireSetUp } from "../../hub/setup.ts";
import { hubFlags, UsageError } from "../main.ts";

/**
 * `hub login`: a fresh one-time sign-in link for the web UI (works while the hub runs: SQLite in WAL mode),
 * for the hub's owner or, with `--user ID`, anyone (a person let in by an invite who signed out).
 */
export async function hubLoginCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: { ...hubFlags, user: { type: "string" } }, allowPositionals: true, strict: true });
  if (positionals.length) throw new UsageError(`Unexpected argument "${positionals[0]}"`);
  const config = resolveHubConfig({ data: values.data, host: values.host, port: values.port, logLevel: "silent", database: values.database, publicUrl: values["public-url"] });
  requireSetUp(config.dataDir);
  const hub = await createHub(config, { writer: "local" });
  try {
    const { code, expiresAt } = await hub.writer.run("issueLoginCode", { userId: values.user ?? hub.credentials.ownerId }).catch((error: unknown) => {
      if (error instanceof HubError && error.code === "not_found") throw new UsageError(`--user: no person with id "${values.user}" on this hub`);
      throw error;
    });
    const host = config.host === "0.0.0.0" || config.host === "::" ? "127.0.0.1" : config.host;
    // Told no address: where the hub serving this data dir listens (or last did), not the default port.
    const told = [values.port, values.host, values["public-url"], process.env.GROUPCHAT_HUB_PORT, process.env.GROUPCHAT_HUB_HOST, process.env.GROUPCHAT_HUB_PUBLIC_URL]
      .some((value) => value !== undefined);
    const served = told ? null : servedUrl(config.dataDir);
    const url = loginUrl(served ?? config.publicUrl ?? `http://${host.includes(":") ? `[${host}]` : host}:${config.port}`, code);
    if (values.json) console.log(JSON.stringify({ url, code, expiresAt }, null, 2));
    else console.log(`Sign in to the web UI (one use, valid 15 minutes):\n  ${url}`);
    return 0;
  } finally {
    await hub.close();
  }
}
