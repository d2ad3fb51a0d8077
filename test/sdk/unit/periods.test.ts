import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AgentApiClient, RunSource, RunWorker } from "../../../src/sdk/index.ts";
import { FakeApi } from "../support/fake-api.ts";

const BAD = [0, -1, Number.NaN];

describe("period options", () => {
  const api = new FakeApi();
  const source = () => new RunSource({ client: api.client, token: "gca_x" });
  const makers: Record<string, (value: number) => unknown> = {
    "RunSource pollIntervalMs": (value) => new RunSource({ client: api.client, token: "gca_x", pollIntervalMs: value }),
    "RunSource reconcileIntervalMs": (value) => new RunSource({ client: api.client, token: "gca_x", reconcileIntervalMs: value }),
    "RunWorker heartbeatIntervalMs": (value) => new RunWorker({ client: api.client, source: source(), executor: async () => ({ summary: "" }), heartbeatIntervalMs: value }),
    "RunWorker runTimeoutMs": (value) => new RunWorker({ client: api.client, source: source(), executor: async () => ({ summary: "" }), runTimeoutMs: value }),
    "AgentApiClient heartbeatProbeMs": (value) => new AgentApiClient({ token: "gca_x", apiUrl: "http://127.0.0.1:1", heartbeatProbeMs: value }),
    "AgentApiClient timeoutMs": (value) => new AgentApiClient({ token: "gca_x", apiUrl: "http://127.0.0.1:1", timeoutMs: value }),
  };

  for (const [name, make] of Object.entries(makers)) {
    it(`${name} of 0, a negative number or NaN is refused when made (a RangeError naming it), instead of spinning or never firing`, () => {
      const option = name.split(" ")[1]!;
      for (const value of BAD) assert.throws(() => make(value), (error: unknown) => error instanceof RangeError && error.message.includes(option), `${name} ${value}`);
      assert.doesNotThrow(() => make(1_000));
    });
  }

  it("RunWorker runTimeoutMs of Infinity is taken: no limit, as without it", () => {
    assert.doesNotThrow(() => makers["RunWorker runTimeoutMs"]!(Number.POSITIVE_INFINITY));
  });
});
