/**
 * The run state machine, shared by the hub (which enforces it), the SDK (which
 * reasons about 409s) and the web UI (which decides which buttons to show).
 *
 *            start              complete
 *   PENDING ───────▶ RUNNING ───────────▶ FINISHED
 *      │  │            │  │
 *      │  │ error      │  └── error ────▶ ERROR
 *      │  └────────────┼────────────────▶ ERROR   (an agent may refuse work)
 *      └── stop ───────┴── stop ────────▶ STOPPED (by the owner)
 *
 * `comment` and `heartbeat` keep a RUNNING run RUNNING. Ended runs take no
 * action; a follow-up creates a new run on the same task instead.
 */
export const RUN_STATUSES = ["PENDING", "RUNNING", "FINISHED", "ERROR", "STOPPED"] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export const RUN_ACTIONS = ["start", "comment", "heartbeat", "complete", "error", "stop"] as const;
export type RunAction = (typeof RUN_ACTIONS)[number];

export const RUN_TRANSITIONS: Readonly<Record<RunStatus, Readonly<Partial<Record<RunAction, RunStatus>>>>> = {
  PENDING: { start: "RUNNING", error: "ERROR", stop: "STOPPED" },
  RUNNING: { comment: "RUNNING", heartbeat: "RUNNING", complete: "FINISHED", error: "ERROR", stop: "STOPPED" },
  FINISHED: {},
  ERROR: {},
  STOPPED: {},
};

/** The status `action` leads to from `status`, or null when the action is illegal there. */
export function nextRunStatus(status: RunStatus, action: RunAction): RunStatus | null {
  return RUN_TRANSITIONS[status][action] ?? null;
}

export function isEnded(status: RunStatus): boolean {
  return status === "FINISHED" || status === "ERROR" || status === "STOPPED";
}

/** PENDING and RUNNING runs hold their agent's slot on a task. */
export function isActive(status: RunStatus): boolean {
  return !isEnded(status);
}

export function isRunStatus(value: unknown): value is RunStatus {
  return typeof value === "string" && (RUN_STATUSES as readonly string[]).includes(value);
}
