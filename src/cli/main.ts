/**
 * The `openclaw-groupchat` command: one runner that picks the command, turns
 * errors into a message and an exit code, and owns `process.exit`.
 */
import { parseArgs } from "node:util";
import { ConfigError } from "../hub/config.ts";
import { HubStartError } from "../hub/errors.ts";
import { hubCommand } from "./commands/hub.ts";
import { hubBackupCommand } from "./commands/hub-backup.ts";
import { hubInitCommand } from "./commands/hub-init.ts";
import { hubLoginCommand } from "./commands/hub-login.ts";
import { hubUserAddCommand } from "./commands/hub-user-add.ts";
import { startCommand } from "./commands/start.ts";
import { bridgeCommand } from "./commands/bridge.ts";
import { doctorCommand } from "./commands/doctor.ts";
import { BridgeConfigError } from "../bridge/config.ts";
import { BridgeStartError } from "../bridge/state.ts";

export class UsageError extends Error {
  override readonly name = "UsageError";
}

const USAGE = `Usage:
  openclaw-groupchat start [--data DIR] [--port P] [--host H]     hub on SQLite and the OpenClaw bridge together
  openclaw-groupchat bridge [--openclaw managed|connect] [--concurrency N] [--grace 30s] [--turn-timeout 30m]
                            [--progress-interval 5s] [--metrics HOST:PORT|off] [--state FILE] [--env-file .env] …
                            (README: the bridge's configuration table)
  openclaw-groupchat doctor [same flags as bridge]                 checks each link and says how to fix it
  openclaw-groupchat hub [--data DIR] [--port P] [--host H] [--stale-after 30m] [--log-level info] [--writer local|thread]
                         [--database sqlite|postgres://USER@HOST:PORT/DB[?schema=NAME]] [--metrics-port P [--metrics-host 127.0.0.1]]
                         [--public-url https://hub.example.com] [--upload-grace 24h] [--upload-quota 1GiB]
                         [--sync-max-connections 10000] [--sync-max-connections-per-ip 500] [--sync-max-connections-per-principal 100]
  openclaw-groupchat hub init [--data DIR] [--database …] [--json]
  openclaw-groupchat hub user add NAME [--data DIR] [--database …] [--json]
  openclaw-groupchat hub login [--data DIR] [--database …] [--user ID] [--port P] [--host H] [--public-url U] [--json]   a one-time sign-in link for the web UI
  openclaw-groupchat hub backup --out NEWDIR [--data DIR] [--json]   a consistent copy of the data dir, even while the hub serves`;

export type Command = (args: string[]) => Promise<number | void>;

export async function main(argv: string[]): Promise<void> {
  const [first, second, third] = argv;
  let command: Command | undefined;
  let rest: string[] = [];
  if (first === "hub" && second === "init") [command, rest] = [hubInitCommand, argv.slice(2)];
  else if (first === "hub" && second === "login") [command, rest] = [hubLoginCommand, argv.slice(2)];
  else if (first === "hub" && second === "backup") [command, rest] = [hubBackupCommand, argv.slice(2)];
  else if (first === "hub" && second === "user" && third === "add") [command, rest] = [hubUserAddCommand, argv.slice(3)];
  else if (first === "hub") [command, rest] = [hubCommand, argv.slice(1)];
  else if (first === "start") [command, rest] = [startCommand, argv.slice(1)];
  else if (first === "bridge") [command, rest] = [bridgeCommand, argv.slice(1)];
  else if (first === "doctor") [command, rest] = [doctorCommand, argv.slice(1)];
  else if (first === "--help" || first === "-h" || first === "help") {
    console.log(USAGE);
    process.exit(0);
  }
  if (!command) {
    console.error(first ? `Unknown command "${argv.join(" ")}"\n\n${USAGE}` : USAGE);
    process.exit(2);
  }
  try {
    const code = await command(rest);
    if (typeof code === "number") process.exit(code);
  } catch (error) {
    if (error instanceof UsageError || error instanceof ConfigError || error instanceof BridgeConfigError || (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
      console.error(`${(error as Error).message}\n\n${USAGE}`);
      process.exit(2);
    }
    // Not a bug of ours: say what is in the way, without a stack trace.
    if (error instanceof HubStartError || error instanceof BridgeStartError) {
      console.error(error.message);
      process.exit(1);
    }
    console.error(error instanceof Error ? error.stack ?? error.message : String(error));
    process.exit(1);
  }
}

export const hubFlags = {
  data: { type: "string" },
  port: { type: "string" },
  host: { type: "string" },
  "stale-after": { type: "string" },
  "log-level": { type: "string" },
  writer: { type: "string" },
  database: { type: "string" },
  "metrics-port": { type: "string" },
  "metrics-host": { type: "string" },
  "public-url": { type: "string" },
  "upload-grace": { type: "string" },
  "upload-quota": { type: "string" },
  "sync-max-connections": { type: "string" },
  "sync-max-connections-per-ip": { type: "string" },
  "sync-max-connections-per-principal": { type: "string" },
  json: { type: "boolean" },
} as const;

export function parse(args: string[]) {
  return parseArgs({ args, options: hubFlags, allowPositionals: true, strict: true });
}
