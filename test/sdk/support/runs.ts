/** Owner-side helpers for the SDK's tests against a real hub. */
import type { RunDetail } from "../../../src/sdk/types.ts";
import { delegatedRun, type TestHub } from "../../support/hub.ts";

export async function delegateMany(t: TestHub, n: number, prefix = "Task"): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) ids.push((await delegatedRun(t, `${prefix} ${i + 1}`)).runId);
  return ids;
}

/** The run as its owner sees it (status and the task's whole activity feed). */
export async function ownerView(t: TestHub, runId: string): Promise<RunDetail> {
  const res = await t.owner(t.creds.ownerToken, "GET", `/runs/${runId}`);
  if (res.status !== 200) throw new Error(`GET /runs/${runId}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as RunDetail;
}

export async function stopRun(t: TestHub, runId: string): Promise<void> {
  const res = await t.owner(t.creds.ownerToken, "POST", `/runs/${runId}/stop`);
  if (res.status !== 200) throw new Error(`stop ${runId}: ${res.status} ${JSON.stringify(res.body)}`);
}

/** The bodies of the comments posted for `runId`, oldest first. */
export function commentsOf(detail: RunDetail, runId = detail.id): string[] {
  return detail.activity.filter((a) => a.type === "comment" && a.runId === runId).map((a) => a.body);
}

/** The run's own status changes, as "FROM→TO". */
export function runTransitions(detail: RunDetail, runId = detail.id): string[] {
  return detail.activity.filter((a) => a.type === "status_change" && a.subject === "run" && a.runId === runId).map((a) => `${a.from ?? ""}→${a.to}`);
}

/**
 * Collects events and resolves waits on them. No timers: a wait that never
 * comes true is ended by the test's own timeout.
 */
export class EventLog<E> {
  readonly events: E[] = [];
  #waiters: Array<{ test: () => boolean; resolve: () => void }> = [];

  readonly push = (event: E): void => {
    this.events.push(event);
    this.#waiters = this.#waiters.filter((w) => (w.test() ? (w.resolve(), false) : true));
  };

  until(test: (events: E[]) => boolean): Promise<void> {
    if (test(this.events)) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ test: () => test(this.events), resolve }));
  }
}

/** A promise plus its resolve, for steering executors from a test. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}
