import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { setImmediate as tick } from "node:timers/promises";
import type { WebSocket } from "ws";
import { MAX_UNHANDLED_BYTES, MAX_UNHANDLED_FRAMES, Peer } from "../../src/hub/realtime/peer.ts";

/** A socket that records whether the peer reads from it. */
function fakeSocket() {
  return { readyState: 1, bufferedAmount: 0, isPaused: false, pause() { this.isPaused = true; }, resume() { this.isPaused = false; } };
}

describe("a peer", () => {
  it("stops reading a client whose frames wait unhandled behind a slow one, and reads again once they are handled", async () => {
    const ws = fakeSocket();
    const peer = new Peer(ws as unknown as WebSocket, { maxQueries: 10 }, 60_000);
    let open!: () => void;
    const slow = new Promise<void>((resolve) => (open = resolve));
    const handled: number[] = [];
    peer.receive(() => slow, (error) => assert.fail(String(error)));
    for (let i = 0; i < MAX_UNHANDLED_FRAMES - 1; i++) peer.receive(() => void handled.push(i), (error) => assert.fail(String(error)));
    assert.equal(ws.isPaused, false, "a burst of frames is read");
    peer.receive(() => void handled.push(MAX_UNHANDLED_FRAMES - 1), (error) => assert.fail(String(error)));
    assert.equal(ws.isPaused, true, "one frame more than the bound and the socket is not read");
    open();
    for (let i = 0; i < 50 && handled.length < MAX_UNHANDLED_FRAMES; i++) await tick();
    assert.deepEqual(handled, Array.from({ length: MAX_UNHANDLED_FRAMES }, (_, i) => i));
    assert.equal(ws.isPaused, false);
  });

  it("stops reading a client whose unhandled frames pass MAX_UNHANDLED_BYTES, however few they are", async () => {
    const ws = fakeSocket();
    const peer = new Peer(ws as unknown as WebSocket, { maxQueries: 10 }, 60_000);
    let open!: () => void;
    const slow = new Promise<void>((resolve) => (open = resolve));
    peer.receive(() => slow, (error) => assert.fail(String(error)), MAX_UNHANDLED_BYTES);
    assert.equal(ws.isPaused, false, "one frame of the most a client may send is read");
    peer.receive(() => {}, (error) => assert.fail(String(error)), 1);
    assert.equal(ws.isPaused, true);
    open();
    for (let i = 0; i < 50 && ws.isPaused; i++) await tick();
    assert.equal(ws.isPaused, false);
  });
});
