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

/** The filter `?status=` names; Active when it names none (or one there is not). */
export function runFilterOf(param: string): RunFilter {
  return RUN_FILTERS.find((f) => f.id === param) ?? RUN_FILTERS[0];
}

const COUNT_WORDS = [["RUNNING", "running"], ["PENDING", "pending"], ["ERROR", "failed"]] as const;

/** "3 running · 1 failed": each counted status that has runs, the going ones first. */
export function countsSentence(counts: Record<(typeof COUNT_WORDS)[number][0], number>): string {
  const parts = COUNT_WORDS.filter(([status]) => counts[status] > 0).map(([status, word]) => `${counts[status]} ${word}`);
  return parts.length ? parts.join(" · ") : "Nothing running, nothing failed";
}
