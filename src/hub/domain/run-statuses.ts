/**
 * Which run statuses a list asks for, as a query writes them: one or several, comma-separated
 * (`status=PENDING,RUNNING`). Parsed here once for GET /runs; owner:runs takes them as an array.
 */
import { isRunStatus, RUN_STATUSES, type RunStatus } from "../../sdk/run-state.ts";
import { badRequest } from "../errors.ts";

/** The statuses named, or undefined when none was given (all of them); a 400 for a word that is not one. */
export function parseRunStatuses(raw: string | undefined): RunStatus[] | undefined {
  if (raw === undefined) return undefined;
  const statuses: RunStatus[] = [];
  for (const word of raw.split(",")) {
    const status = word.trim();
    if (!isRunStatus(status)) throw badRequest(`status must be one or more of ${RUN_STATUSES.join(", ")}, comma-separated (got "${status.slice(0, 40)}")`);
    if (!statuses.includes(status)) statuses.push(status);
  }
  return statuses;
}
