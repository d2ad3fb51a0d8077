import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { renderStatus } from "../../../src/bridge/status-line.ts";

describe("the status line", () => {
  it("shows the connections, runs in flight, done and failed", () => {
    assert.equal(
      renderStatus({ realtime: true, gateway: "connected", inFlight: 2, queued: 0, done: 14, failed: 1, stopped: 0, outbox: 0 }),
      "● GroupChat live · ● OpenClaw connected · 2 running · 14 done · 1 failed",
    );
    assert.equal(
      renderStatus({ realtime: false, gateway: "connecting", inFlight: 0, queued: 3, done: 0, failed: 0, stopped: 1, outbox: 2 }),
      "○ GroupChat polling · ○ OpenClaw connecting · 0 running · 3 queued · 0 done · 0 failed · 1 stopped · 2 to deliver",
    );
  });
});
