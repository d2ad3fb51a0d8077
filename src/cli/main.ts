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

/** Each command's usage, by the words that name it; `--help` after a command prints its own. */
const USAGES: ReadonlyArray<readonly [string, string]> = [
  ["start", `  openclaw-groupchat start [--data DIR] [--port P] [--host H] [--no-bridge] [--openclaw-config FILE] [any hub flag]
                           the hub on SQLite and the OpenClaw bridge together (--no-bridge: the hub alone)`],
  ["bridge", `  openclaw-groupchat bridge [--openclaw managed|connect] [--concurrency N] [--grace 30s] [--turn-timeout 30m]
                            [--progress-interval 5s] [--metrics HOST:PORT|off] [--state FILE] [--env-file .env] …
                            needs GROUPCHAT_AGENT_TOKEN and GROUPCHAT_API_URL (README: the bridge's configuration table)`],
  ["doctor", "  openclaw-groupchat doctor [same flags as bridge]                 checks each link and says how to fix it"],
  ["hub", `  openclaw-groupchat hub [--data DIR] [--port P] [--host H] [--stale-after 30m] [--log-level info] [--writer local|thread]
                         [--database sqlite|postgres://USER@HOST:PORT/DB[?schema=NAME]] [--metrics-port P [--metrics-host 127.0.0.1]]
                         [--public-url https://hub.example.com] [--trust-proxy loopback|ADDRESS,CIDR…|true] [--upload-grace 24h] [--upload-quota 1GiB]
                         [--sync-max-connections 10000] [--sync-max-connections-per-ip 500] [--sync-max-connections-per-principal 100]`],
  ["hub init", "  openclaw-groupchat hub init [--data DIR] [--database …] [--json]"],
  ["hub user add", "  openclaw-groupchat hub user add NAME [--data DIR] [--database …] [--json]"],
  ["hub login", "  openclaw-groupchat hub login [--data DIR] [--database …] [--user ID] [--port P] [--host H] [--public-url U] [--json]   a one-time sign-in link for the web UI"],
  ["hub backup", "  openclaw-groupchat hub backup --out NEWDIR [--data DIR] [--json]   a consistent copy of the data dir, even while the hub serves"],
];

const USAGE = `Usage:\n${USAGES.map(([, text]) => text).join("\n")}`;

/** The usage of the command `words` name (the longest match), or all of it. */
function usageOf(words: string[]): string {
  const named = words.join(" ");
  const match = [...USAGES].reverse().find(([command]) => named === command || named.startsWith(`${command} `));
  return match ? `Usage:\n${match[1]}` : USAGE;
}

/** The words of the command line that are not flags (the command, then values and NAME). */
function commandWords(argv: string[]): string[] {
  return argv.filter((arg) => !arg.startsWith("-"));
}

/** `--help` or `-h` among a command's arguments (not after `--`, where it would be a value). */
function asksForHelp(argv: string[]): boolean {
  const end = argv.indexOf("--");
  return (end === -1 ? argv : argv.slice(0, end)).some((arg) => arg === "--help" || arg === "-h");
}

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
  if (first === "help" || asksForHelp(argv)) {
    // The command's own usage (`hub login --help`), or all of it (`--help`, `help`).
    console.log(usageOf(commandWords(first === "help" ? argv.slice(1) : argv)));
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
      // That command's usage: the whole list buries the line that matters.
      console.error(`${(error as Error).message}\n\n${usageOf(commandWords(argv))}`);
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
  "trust-proxy": { type: "string" },
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
