/**
 * Where the hub serving a data dir was last reached (`DIR/served.json`, written each time it listens):
 * `hub login`, a separate process, makes its link there when told no address of its own, rather than on
 * the default port of a hub that serves on another.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const FILE = "served.json";

export function recordServedUrl(dataDir: string, url: string): void {
  writeFileSync(join(dataDir, FILE), `${JSON.stringify({ url })}\n`);
}

/** The recorded origin, or null: none recorded, or a file that is not ours (hand-edited, cut short). */
export function servedUrl(dataDir: string): string | null {
  try {
    const { url } = JSON.parse(readFileSync(join(dataDir, FILE), "utf8")) as { url?: unknown };
    if (typeof url !== "string") return null;
    const parsed = new URL(url);
    return parsed.protocol === "http:" || parsed.protocol === "https:" ? url : null;
  } catch {
    return null;
  }
}
