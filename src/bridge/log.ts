/**
 * The bridge's logger: one JSON object per line (for log collectors), or a
 * short human line when a terminal shows the status line. Secrets never reach
 * it: anything that looks like a token is masked on the way out.
 */
export type LogLevel = "silent" | "error" | "warn" | "info" | "debug";
export type Log = (level: Exclude<LogLevel, "silent">, message: string, fields?: Record<string, unknown>) => void;

const ORDER: Record<LogLevel, number> = { silent: 0, error: 1, warn: 2, info: 3, debug: 4 };
const TOKENS = /\b(gca|gcp)_[A-Za-z0-9_-]+/g;

export function redact(text: string, secrets: readonly string[] = []): string {
  let out = text.replace(TOKENS, "$1_***");
  for (const secret of secrets) if (secret.length >= 6) out = out.split(secret).join("***");
  return out;
}

export function createLog(options: { level: LogLevel; format: "json" | "text"; write?: (line: string) => void; secrets?: readonly string[]; now?: () => number }): Log {
  const write = options.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const now = options.now ?? Date.now;
  return (level, message, fields = {}) => {
    if (ORDER[level] > ORDER[options.level]) return;
    const clean: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(fields)) {
      clean[key] = value instanceof Error ? value.message : value;
    }
    const line = options.format === "json"
      ? JSON.stringify({ time: new Date(now()).toISOString(), level, msg: message, ...clean })
      : `${level === "info" ? "" : `${level}: `}${message}${Object.keys(clean).length ? ` ${JSON.stringify(clean)}` : ""}`;
    write(redact(line, options.secrets));
  };
}
