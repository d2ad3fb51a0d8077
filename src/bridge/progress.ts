/**
 * Turns OpenClaw's run events into short progress lines a person reads in the
 * task's thread ("Running `npm test`", "Edited src/app.ts"). Pure: one event in,
 * one line (or nothing) out. Only a tool's start says what it does; its result
 * is worth a line only when it failed.
 */
import type { AgentEvent } from "./gateway/frames.ts";

const MAX_COMMAND = 80;

function str(value: unknown): string | undefined {
  return typeof value === "string" && value.trim() ? value.trim() : undefined;
}

function code(text: string, max = MAX_COMMAND): string {
  const oneLine = text.replace(/\s+/g, " ").trim();
  const clipped = oneLine.length > max ? `${oneLine.slice(0, max - 1)}…` : oneLine;
  return `\`${clipped.replace(/`/g, "'")}\``;
}

function pathOf(args: Record<string, unknown>): string | undefined {
  return str(args.path) ?? str(args.file_path) ?? str(args.filePath) ?? str(args.file);
}

/** What a tool call does, in a few words. */
export function describeToolStart(name: string, args: Record<string, unknown>): string {
  const path = pathOf(args);
  switch (name) {
    case "exec":
    case "bash":
    case "shell": {
      const command = str(args.command) ?? str(args.cmd);
      return command ? `Running ${code(command)}` : "Running a command";
    }
    case "write":
      return path ? `Wrote ${path}` : "Wrote a file";
    case "edit":
    case "multi_edit":
      return path ? `Edited ${path}` : "Edited a file";
    case "apply_patch": {
      // OpenClaw's patch format names each file on a "*** Update File: path" line.
      const files = [...(str(args.input) ?? "").matchAll(/^\*\*\* (?:Add|Update|Delete) File: (.+)$/gm)].map((m) => m[1]!.trim());
      if (files.length === 0) return "Edited files";
      return `Edited ${files.slice(0, 3).join(", ")}${files.length > 3 ? ` and ${files.length - 3} more` : ""}`;
    }
    case "ls":
      return path ? `Listed ${path}` : "Listed files";
    case "read":
      return path ? `Read ${path}` : "Read a file";
    case "web_search": {
      const query = str(args.query);
      return query ? `Searched the web for ${code(query, 60)}` : "Searched the web";
    }
    case "web_fetch": {
      const url = str(args.url);
      return url ? `Opened ${url}` : "Opened a web page";
    }
    default:
      return `Used ${name}`;
  }
}

/** The progress line for one event, or null when the event is not worth one. */
export function progressLine(event: AgentEvent): string | null {
  const data = event.data ?? {};
  // OpenClaw retries a model that does not answer (8 times, over a minute or more): say so, or the run looks stuck.
  if (event.stream === "run_status" && data.phase === "retrying") {
    const attempt = typeof data.retryAttempt === "number" && typeof data.maxRetries === "number" ? ` (retry ${data.retryAttempt} of ${data.maxRetries})` : "";
    return `The model is not answering; OpenClaw is trying again${attempt}`;
  }
  if (event.stream !== "tool") return null;
  const name = str(data.name) ?? "a tool";
  const args = typeof data.args === "object" && data.args !== null ? (data.args as Record<string, unknown>) : {};
  if (data.phase === "start") return describeToolStart(name, args);
  if (data.phase === "result" && data.isError === true) return `${name === "exec" ? "The command" : name} failed`;
  return null;
}

/**
 * Several lines as one comment: consecutive repeats folded ("… (×3)"), at most
 * `maxLines` shown, the rest counted.
 */
export function joinLines(lines: readonly string[], maxLines = 8): string {
  const folded: Array<{ line: string; count: number }> = [];
  for (const line of lines) {
    const last = folded.at(-1);
    if (last?.line === line) last.count++;
    else folded.push({ line, count: 1 });
  }
  const shown = folded.slice(0, maxLines).map(({ line, count }) => (count > 1 ? `${line} (×${count})` : line));
  const hidden = folded.length - shown.length;
  if (hidden > 0) shown.push(`…and ${hidden} more step${hidden === 1 ? "" : "s"}`);
  return shown.join("\n");
}
