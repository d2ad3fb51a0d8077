/**
 * The bridge's configuration: one typed object, resolved once from
 * defaults < `.env` file < environment < flags, validated, then passed down.
 * Nothing below this module reads `process.env`.
 */
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { parseDuration } from "../hub/domain/duration.ts";
import type { LogLevel } from "./log.ts";
import { runtimePaths } from "./runtime.ts";

export class BridgeConfigError extends Error {
  override readonly name = "BridgeConfigError";
}

export type OpenClawMode = "managed" | "connect";

export interface BridgeConfig {
  readonly agentToken: string;
  readonly apiUrl: string;
  readonly convexUrl: string | null;
  readonly stateFile: string;
  readonly workRoot: string;
  readonly concurrency: number;
  readonly graceMs: number;
  readonly turnTimeoutSeconds: number;
  readonly progressIntervalMs: number;
  readonly heartbeatIntervalMs: number;
  readonly openclaw: {
    readonly mode: OpenClawMode;
    /** connect: the user's gateway; managed: filled in once the child listens. */
    readonly gatewayUrl: string;
    readonly gatewayToken: string | null;
    readonly configPath: string;
    readonly stateDir: string;
    readonly port: number;
    readonly node: string;
    readonly entry: string;
    readonly agentId: string;
    readonly model: string | null;
    readonly thinking: string | null;
    readonly tools: { readonly profile: string | null; readonly allow: readonly string[]; readonly deny: readonly string[] };
  };
  /**
   * Where `/metrics` is served, or null. `chosen`: the port was asked for (flag, env), and a taken one is not served;
   * else it is the default, and a taken one (another bridge's, on this machine) gives way to any free port.
   */
  readonly metrics: { readonly host: string; readonly port: number; readonly chosen: boolean } | null;
  readonly logLevel: LogLevel;
  readonly logFormat: "json" | "text";
  readonly statusLine: boolean;
}

/** Flag values as parsed from the command line (all strings, all optional). */
export type BridgeFlags = Partial<Record<
  | "token" | "api-url" | "convex-url" | "state" | "workdir" | "concurrency" | "grace" | "turn-timeout" | "progress-interval"
  | "openclaw" | "gateway-url" | "gateway-token" | "openclaw-config" | "openclaw-state" | "openclaw-port" | "openclaw-agent"
  | "model" | "thinking" | "tools-profile" | "tools-allow" | "tools-deny" | "metrics" | "log-level" | "log-format" | "env-file",
  string
>> & { "status-line"?: boolean; "no-status-line"?: boolean };

/** Reads a `.env` file: `KEY=value` lines, `#` comments, optional quotes, `export ` prefix. */
export function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    const match = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!match) continue;
    let value = match[2]!.trim();
    if ((value.startsWith('"') && value.endsWith('"')) || (value.startsWith("'") && value.endsWith("'"))) value = value.slice(1, -1);
    else value = value.replace(/\s+#.*$/, "");
    out[match[1]!] = value;
  }
  return out;
}

function duration(name: string, text: string): number {
  const ms = parseDuration(text);
  if (ms === null) throw new BridgeConfigError(`${name} must be a duration with its unit, like 5s, 30m or 2h, got "${text}"`);
  return ms;
}

function integer(name: string, text: string, min: number, max: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max) throw new BridgeConfigError(`${name} must be an integer ${min}-${max}, got "${text}"`);
  return n;
}

function list(text: string | undefined): string[] {
  return (text ?? "").split(",").map((s) => s.trim()).filter(Boolean);
}

/** Where a bridge serves its metrics unless told: several on one machine take this one in turn, the others any free port. */
const DEFAULT_METRICS = "127.0.0.1:9477";

const LEVELS: readonly LogLevel[] = ["silent", "error", "warn", "info", "debug"];

export interface ResolveOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  isTTY?: boolean;
  home?: string;
}

export function resolveBridgeConfig(flags: BridgeFlags, options: ResolveOptions = {}): BridgeConfig {
  const cwd = options.cwd ?? process.cwd();
  const processEnv = options.env ?? process.env;
  const envFile = resolve(cwd, flags["env-file"] ?? processEnv.GROUPCHAT_ENV_FILE ?? ".env");
  if (flags["env-file"] && !existsSync(envFile)) throw new BridgeConfigError(`--env-file ${envFile} does not exist`);
  const fileEnv = existsSync(envFile) ? parseEnvFile(readFileSync(envFile, "utf8")) : {};
  // The environment overrides the file, flags override both.
  const env: Record<string, string | undefined> = { ...fileEnv, ...processEnv };
  const pick = (flag: keyof BridgeFlags | null, name: string | null, fallback?: string): string | undefined => {
    const value = flag ? flags[flag] : undefined;
    if (typeof value === "string") return value;
    return (name ? env[name] : undefined) ?? fallback;
  };
  const home = options.home ?? homedir();

  const agentToken = pick("token", "GROUPCHAT_AGENT_TOKEN");
  if (!agentToken) throw new BridgeConfigError("GROUPCHAT_AGENT_TOKEN is not set: copy your agent's gca_ token from GroupChat (Profile → Agents; for a local hub, agentToken in its data dir's credentials.json), or use --token");
  // The SDK refuses it too (every call would be a 401 blaming the token): said here as a configuration error.
  if (/\s/.test(agentToken)) throw new BridgeConfigError("GROUPCHAT_AGENT_TOKEN has whitespace in it (a line end copied with it?): an agent token has none");
  const apiUrl = pick("api-url", "GROUPCHAT_API_URL");
  if (!apiUrl) throw new BridgeConfigError("GROUPCHAT_API_URL is not set (e.g. https://groupchat.ai/api/v1/agent)");
  let protocol: string;
  try {
    protocol = new URL(apiUrl).protocol;
  } catch {
    throw new BridgeConfigError(`GROUPCHAT_API_URL is not a URL: "${apiUrl}"`);
  }
  // "127.0.0.1:3210/api/v1/agent" parses, with "127.0.0.1:" as its scheme: every call would fail as a network error.
  if (protocol !== "http:" && protocol !== "https:") {
    throw new BridgeConfigError(`GROUPCHAT_API_URL must start with http:// or https://, got "${apiUrl}" (e.g. http://127.0.0.1:3210/api/v1/agent)`);
  }
  const convexUrl = pick("convex-url", "GROUPCHAT_CONVEX_URL") || null;

  const dataDir = resolve(cwd, ".data/bridge");
  const stateFile = resolve(cwd, pick("state", "GROUPCHAT_BRIDGE_STATE", join(dataDir, "bridge.sqlite"))!);
  const workRoot = resolve(cwd, pick("workdir", "GROUPCHAT_BRIDGE_WORKDIR", join(dataDir, "tasks"))!);

  const gatewayUrlSet = pick("gateway-url", "OPENCLAW_GATEWAY_URL");
  const modeText = pick("openclaw", "GROUPCHAT_OPENCLAW_MODE", gatewayUrlSet ? "connect" : "managed")!;
  if (modeText !== "managed" && modeText !== "connect") throw new BridgeConfigError(`--openclaw must be "managed" or "connect", got "${modeText}"`);
  const runtime = runtimePaths();

  const metricsText = pick("metrics", "GROUPCHAT_BRIDGE_METRICS", DEFAULT_METRICS)!;
  let metrics: BridgeConfig["metrics"] = null;
  if (metricsText !== "off") {
    const match = /^(.*):(\d+)$/.exec(metricsText);
    if (!match) throw new BridgeConfigError(`--metrics must be HOST:PORT or "off", got "${metricsText}"`);
    metrics = {
      host: match[1]!.replace(/^\[|\]$/g, "") || "127.0.0.1", port: integer("--metrics port", match[2]!, 0, 65535), chosen: pick("metrics", "GROUPCHAT_BRIDGE_METRICS") !== undefined,
    };
  }

  const logLevel = pick("log-level", "GROUPCHAT_LOG_LEVEL", "info") as LogLevel;
  if (!LEVELS.includes(logLevel)) throw new BridgeConfigError(`--log-level must be one of ${LEVELS.join(", ")}`);
  const isTTY = options.isTTY ?? false;
  const logFormat = (pick("log-format", "GROUPCHAT_LOG_FORMAT", isTTY ? "text" : "json")) as "json" | "text";
  if (logFormat !== "json" && logFormat !== "text") throw new BridgeConfigError(`--log-format must be "json" or "text"`);

  return {
    agentToken,
    apiUrl,
    convexUrl,
    stateFile,
    workRoot,
    concurrency: integer("--concurrency", pick("concurrency", "GROUPCHAT_BRIDGE_CONCURRENCY", "4")!, 1, 10_000),
    graceMs: duration("--grace", pick("grace", "GROUPCHAT_BRIDGE_GRACE", "30s")!),
    turnTimeoutSeconds: Math.max(1, Math.round(duration("--turn-timeout", pick("turn-timeout", "GROUPCHAT_BRIDGE_TURN_TIMEOUT", "30m")!) / 1000)),
    progressIntervalMs: duration("--progress-interval", pick("progress-interval", "GROUPCHAT_BRIDGE_PROGRESS_INTERVAL", "5s")!),
    heartbeatIntervalMs: 60_000,
    openclaw: {
      mode: modeText,
      gatewayUrl: gatewayUrlSet ?? "ws://127.0.0.1:18789",
      gatewayToken: pick("gateway-token", "OPENCLAW_GATEWAY_TOKEN") || null,
      configPath: resolve(cwd, pick("openclaw-config", "OPENCLAW_CONFIG_PATH", join(home, ".openclaw", "openclaw.json"))!),
      stateDir: resolve(cwd, pick("openclaw-state", "GROUPCHAT_OPENCLAW_STATE", join(dataDir, "openclaw"))!),
      port: integer("--openclaw-port", pick("openclaw-port", "GROUPCHAT_OPENCLAW_PORT", "0")!, 0, 65535),
      node: pick(null, "OPENCLAW_NODE", runtime.node)!,
      entry: pick(null, "OPENCLAW_ENTRY", runtime.entry)!,
      agentId: pick("openclaw-agent", "GROUPCHAT_OPENCLAW_AGENT", "main")!,
      model: pick("model", "GROUPCHAT_OPENCLAW_MODEL") || null,
      thinking: pick("thinking", "GROUPCHAT_OPENCLAW_THINKING") || null,
      tools: {
        profile: pick("tools-profile", "GROUPCHAT_OPENCLAW_TOOLS_PROFILE") || null,
        allow: list(pick("tools-allow", "GROUPCHAT_OPENCLAW_TOOLS_ALLOW")),
        deny: list(pick("tools-deny", "GROUPCHAT_OPENCLAW_TOOLS_DENY")),
      },
    },
    metrics,
    logLevel,
    logFormat,
    statusLine: flags["no-status-line"] ? false : flags["status-line"] ?? isTTY,
  };
}
