/**
 * The port's SQL is written with `?` placeholders (SQLite's); PostgreSQL numbers
 * them (`$1`, `$2`). Translated once per distinct statement, which also gets a
 * name so that each connection prepares it once; one marked PLAN_PER_CALL gets
 * none, so it is planned for each call's values.
 */
import { PLAN_PER_CALL } from "./port.ts";

const cache = new Map<string, { text: string; name: string | undefined }>();

export function placeholders(sql: string): { text: string; name: string | undefined } {
  let found = cache.get(sql);
  if (!found) {
    found = { text: number(sql), name: sql.includes(PLAN_PER_CALL) ? undefined : `gc${cache.size}` };
    cache.set(sql, found);
  }
  return found;
}

/** `?` outside quotes becomes `$n`; quoted text and identifiers are left alone. */
function number(sql: string): string {
  let out = "";
  let n = 0;
  let quote: string | null = null;
  for (const ch of sql) {
    if (quote) {
      if (ch === quote) quote = null;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
    } else if (ch === "?") {
      out += `$${++n}`;
      continue;
    }
    out += ch;
  }
  return out;
}

/** A schema name that needs no quoting anywhere (it also goes into the connection's startup options). */
export const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;
