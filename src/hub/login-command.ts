/**
 * The `hub login` command that prints a sign-in link for this hub: its data dir, and the flags that make the link
 * point where this hub listens. The sign-in page shows it to a browser on the hub's own machine.
 */
import { NPX } from "../invocation.ts";
import type { HubConfig } from "./config.ts";

/** What `hub login` takes by default: a flag equal to it is left out. */
const DEFAULT_PORT = 3210;
const DEFAULT_HOST = "127.0.0.1";

/** `cli`: the words that run this copy of the command (src/invocation.ts). */
export function loginCommand(config: Pick<HubConfig, "dataDir" | "database" | "host" | "publicUrl">, port: number, cli: readonly string[] = NPX): string {
  const words = [...cli, "hub", "login", "--data", config.dataDir];
  // No password: the page is no place for one (`display` has none); the owner adds theirs.
  if (config.database.kind === "postgres") words.push("--database", config.database.display);
  if (config.publicUrl) words.push("--public-url", config.publicUrl);
  else {
    // `hub login` makes its link on 127.0.0.1 for these too.
    if (config.host !== DEFAULT_HOST && config.host !== "0.0.0.0" && config.host !== "::") words.push("--host", config.host);
    if (port !== DEFAULT_PORT) words.push("--port", String(port));
  }
  return words.map(shellWord).join(" ");
}

/** A word as a POSIX shell reads it back: quoted when it has anything but the plainest characters. */
function shellWord(word: string): string {
  return /^[\w./:@%+=,-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
