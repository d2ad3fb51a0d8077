/**
 * An Agent API in memory, for the worker's fault tests: it lists the runs it is given as PENDING, takes their
 * calls, and records each one. `mode` turns it into an API that refuses the token (401) or one that is not there
 * (a network error), from the next call on.
 */
import type { CallOptions, RunFilters, RunResult } from "../../../src/sdk/client.ts";
import { AgentApiError } from "../../../src/sdk/errors.ts";
import type { AgentRun, AgentRunDetail } from "../../../src/sdk/parse.ts";
import type { RunWorkerOptions } from "../../../src/sdk/worker.ts";

export interface FakeCall {
  kind: "runs" | "start" | "run" | "comment" | "complete" | "error" | "heartbeat";
  runId?: string;
  body?: string;
}

export type FakeApiMode = "up" | "revoked" | "offline";

export class FakeApi {
  readonly calls: FakeCall[] = [];
  mode: FakeApiMode = "up";
  readonly #pending = new Map<string, AgentRun>();

  /** A PENDING run, listed until it is started. */
  add(id: string): void {
    this.#pending.set(id, { id, taskTitle: `Task ${id}`, prompt: `Do ${id}` });
  }

  /** Calls of `kind` (all, with none). */
  count(kind?: FakeCall["kind"]): number {
    return this.calls.filter((call) => kind === undefined || call.kind === kind).length;
  }

  /** The bodies of the lifecycle calls delivered, as "kind:body". */
  delivered: string[] = [];

  #answer(call: FakeCall): void {
    this.calls.push(call);
    if (this.mode === "revoked") throw new AgentApiError("unauthorized", `${call.kind} failed with HTTP 401: Invalid agent token`, { httpStatus: 401, serverMessage: "Invalid agent token" });
    if (this.mode === "offline") throw new AgentApiError("network", `${call.kind} got no answer: fetch failed`);
  }

  readonly client: RunWorkerOptions["client"] & { runs(filters?: RunFilters, options?: CallOptions): Promise<AgentRun[]> } = {
    runs: async (filters: RunFilters = {}) => {
      this.#answer({ kind: "runs" });
      return filters.status === "PENDING" ? [...this.#pending.values()] : [];
    },
    start: async (runId: string) => {
      this.#answer({ kind: "start", runId });
      this.#pending.delete(runId);
      return {};
    },
    run: async (runId: string): Promise<AgentRunDetail> => {
      this.#answer({ kind: "run", runId });
      return { id: runId, taskTitle: `Task ${runId}`, prompt: `Do ${runId}`, status: "RUNNING", lastFollowUpMessage: null, task: {}, activity: [] };
    },
    comment: async (runId: string, body: string) => {
      this.#answer({ kind: "comment", runId, body });
      this.delivered.push(`comment:${body}`);
      return {};
    },
    complete: async (runId: string, result: RunResult) => {
      this.#answer({ kind: "complete", runId, body: result.body });
      this.delivered.push(`complete:${result.body}`);
      return {};
    },
    error: async (runId: string, result: RunResult) => {
      this.#answer({ kind: "error", runId, body: result.body });
      this.delivered.push(`error:${result.body}`);
      return {};
    },
    heartbeat: async (runId: string) => {
      this.#answer({ kind: "heartbeat", runId });
      return true;
    },
  };
}
