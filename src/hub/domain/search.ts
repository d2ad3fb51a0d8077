/**
 * What a task search looks for: the text as typed, trimmed, 1 to 200 characters
 * (code points), no NUL. Matched as a plain substring of a task's title or description,
 * case-insensitively; no character in it is special (`%`, `_`, `\`, `"` included).
 */
import { badRequest } from "../errors.ts";

export const SEARCH_MAX = 200;

/** The search text, or undefined when none was given; a 400 for text that is blank or too long. */
export function parseSearchText(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const text = raw.trim();
  const length = [...text].length;
  if (length < 1 || length > SEARCH_MAX) throw badRequest(`q must be 1 to ${SEARCH_MAX} characters (after trimming)`);
  // No stored text holds one (JSON bodies' become U+FFFD), PostgreSQL takes none, and SQLite's FTS5 query ends at it.
  if (text.includes("\u0000")) throw badRequest("q cannot hold a NUL character");
  return text;
}

/** A LIKE pattern (with `ESCAPE '\'`) for text that contains `text`, its wildcards taken literally. */
export function likeContains(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** An FTS5 phrase for `text`: in double quotes, a quote inside doubled, so no word in it is an operator. */
export function ftsPhrase(text: string): string {
  return `"${text.replaceAll('"', '""')}"`;
}
