/**
 * The Runs page's filter, kept in the address (`/runs?status=failed&agent=agt_…`): which of your agents'
 * runs it shows, as the statuses owner:runs takes. Pure, so the address and the chips cannot disagree.
 */
import type { RunStatus } from "../sdk/run-state.ts";

export const RUN_FILTERS = [
  { id: "active", label: "Active", statuses: ["PENDING", "RUNNING"] },
  { id: "failed", label: "Failed", statuses: ["ERROR"] },
  { id: "all", label: "All", statuses: null },
] as const satisfies readonly { id: string; label: string; statuses: readonly RunStatus[] | null }[];

export type RunFilter = (typeof RUN_FILTERS)[number];
export type RunFilterId = RunFilter["id"];

/** The filter `?status=` names; Active when it names none (or one there is not). */
export function runFilterOf(param: string): RunFilter {
  return RUN_FILTERS.find((f) => f.id === param) ?? RUN_FILTERS[0];
}

/** How many runs the filter takes in, from the counts by status. */
export function runsInFilter(filter: RunFilter, counts: Record<RunStatus, number>): number {
  const statuses = filter.statuses ?? (Object.keys(counts) as RunStatus[]);
  return statuses.reduce((sum, status) => sum + counts[status], 0);
}

const COUNT_WORDS: [RunStatus, string][] = [["RUNNING", "running"], ["PENDING", "pending"], ["ERROR", "failed"], ["STOPPED", "stopped"], ["FINISHED", "finished"]];

/** "3 running · 1 failed": each status that has runs, the going ones first; "No runs" when none has. */
export function countsSentence(counts: Record<RunStatus, number>): string {
  const parts = COUNT_WORDS.filter(([status]) => counts[status] > 0).map(([status, word]) => `${counts[status]} ${word}`);
  return parts.length ? parts.join(" · ") : "No runs";
}
