import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  isActive, isEnded, isRunStatus, nextRunStatus, RUN_ACTIONS, RUN_STATUSES, RUN_TRANSITIONS, type RunAction, type RunStatus,
} from "../../src/sdk/run-state.ts";

/** The lifecycle as the spec writes it, kept apart from the table under test. */
const LEGAL: Array<[RunStatus, RunAction, RunStatus]> = [
  ["PENDING", "start", "RUNNING"],
  ["PENDING", "error", "ERROR"],
  ["PENDING", "stop", "STOPPED"],
  ["RUNNING", "comment", "RUNNING"],
  ["RUNNING", "heartbeat", "RUNNING"],
  ["RUNNING", "complete", "FINISHED"],
  ["RUNNING", "error", "ERROR"],
  ["RUNNING", "stop", "STOPPED"],
];

describe("run state machine", () => {
  it("names the five statuses and six actions", () => {
    assert.deepEqual([...RUN_STATUSES], ["PENDING", "RUNNING", "FINISHED", "ERROR", "STOPPED"]);
    assert.deepEqual([...RUN_ACTIONS].sort(), ["comment", "complete", "error", "heartbeat", "start", "stop"]);
  });

  it("allows exactly the spec's transitions and refuses every other status × action pair", () => {
    for (const status of RUN_STATUSES) {
      for (const action of RUN_ACTIONS) {
        const legal = LEGAL.find(([from, a]) => from === status && a === action);
        assert.equal(nextRunStatus(status, action), legal ? legal[2] : null, `${status} × ${action}`);
      }
    }
  });

  it("lets nothing out of an ended status", () => {
    for (const status of ["FINISHED", "ERROR", "STOPPED"] as const) assert.deepEqual(RUN_TRANSITIONS[status], {});
  });

  it("tells ended from active", () => {
    assert.deepEqual(RUN_STATUSES.filter(isEnded), ["FINISHED", "ERROR", "STOPPED"]);
    assert.deepEqual(RUN_STATUSES.filter(isActive), ["PENDING", "RUNNING"]);
  });

  it("recognizes a run status exactly (case and type)", () => {
    for (const status of RUN_STATUSES) assert.equal(isRunStatus(status), true);
    for (const value of ["pending", "DONE", "", null, undefined, 1, {}, ["PENDING"]]) assert.equal(isRunStatus(value), false, String(value));
  });
});
