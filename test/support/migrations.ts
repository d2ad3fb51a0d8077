import { readdirSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./cli.ts";

/** The numbered files in src/hub/db/migrations/<dialect>: a database is set up when each is applied, once. */
export function migrationVersions(dialect: "sqlite" | "postgres"): number[] {
  return readdirSync(join(ROOT, "src/hub/db/migrations", dialect))
    .filter((f) => /^\d{4}_.*\.sql$/.test(f))
    .map((f) => Number(f.slice(0, 4)))
    .sort((a, b) => a - b);
}
