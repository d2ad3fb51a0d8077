import { join, resolve } from "node:path";
import { parseDuration } from "./domain/duration.ts";

/** The hub's configuration, resolved once (defaults < env < flags) and passed down. */
export interface HubConfig {
  readonly dataDir: string;
  readonly host: string;
  readonly port: number;
  readonly staleAfterMs: number;
  readonly databaseFile: string;
  readonly logLevel: "silent" | "error" | "warn" | "info" | "debug";
  /** Where writes run: the HTTP thread (default) or a thread of their own (see README, "How the hub writes"). */
  readonly writer: "thread" | "local";
}

export interface HubConfigInput {
  data?: string | undefined;
  host?: string | undefined;
  port?: string | undefined;
  staleAfter?: string | undefined;
  logLevel?: string | undefined;
  writer?: string | undefined;
}

export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

const LEVELS = ["silent", "error", "warn", "info", "debug"] as const;

export function resolveHubConfig(flags: HubConfigInput, env: NodeJS.ProcessEnv = process.env): HubConfig {
  const dataDir = resolve(flags.data ?? env.GROUPCHAT_HUB_DATA ?? ".data/hub");
  const host = flags.host ?? env.GROUPCHAT_HUB_HOST ?? "127.0.0.1";
  const portText = flags.port ?? env.GROUPCHAT_HUB_PORT ?? "3210";
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`--port must be 0-65535, got "${portText}"`);
  const staleText = flags.staleAfter ?? env.GROUPCHAT_HUB_STALE_AFTER ?? "30m";
  const staleAfterMs = parseDuration(staleText);
  if (staleAfterMs === null) throw new ConfigError(`--stale-after must be a duration with its unit, like 90s, 30m or 2h, got "${staleText}"`);
  const logLevel = (flags.logLevel ?? env.GROUPCHAT_LOG_LEVEL ?? "info") as HubConfig["logLevel"];
  if (!LEVELS.includes(logLevel)) throw new ConfigError(`--log-level must be one of ${LEVELS.join(", ")}`);
  const writer = (flags.writer ?? env.GROUPCHAT_HUB_WRITER ?? "local") as HubConfig["writer"];
  if (writer !== "thread" && writer !== "local") throw new ConfigError(`--writer must be thread or local, got "${writer}"`);
  return { dataDir, host, port, staleAfterMs, databaseFile: join(dataDir, "hub.sqlite"), logLevel, writer };
}
