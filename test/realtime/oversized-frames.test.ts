/**
 * A frame over the size limit is read as it streams past, not held, and answered from what was read: the
 * stock client sends it again after every reconnect, so closing the socket on it would loop forever.
 */
import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { after, before, describe, it } from "node:test";
import { Type } from "typebox";
import WebSocket from "ws";
import { FrameGate } from "../../src/hub/realtime/frame-gate.ts";
import { parseClientFrame } from "../../src/hub/realtime/protocol.ts";
import { QueryRegistry } from "../../src/hub/realtime/registry.ts";
import { listeningSync, RawSync, type Frame, type ListeningSync } from "./support.ts";

const KB = 1024;
const add = (queryId: number, pad = "") => ({ type: "Add", queryId, udfPath: "demo:echo", args: [{ i: queryId, pad }] });
const outcome = (m: { type: string; queryId: number; value?: unknown; errorData?: { code: string } }) => [m.queryId, m.type, m.errorData?.code ?? m.value];

describe("a sync server that takes frames up to 256 KiB", () => {
  const registry = new QueryRegistry()
    .define("demo:echo", { args: Type.Object({ i: Type.Number() }), evaluate: async (_ctx, { i }) => ({ value: i, keys: [] }) });
  let listening: ListeningSync;
  let raw: RawSync;
  let version = 0;
  const modify = async (modifications: unknown[]): Promise<Frame> => {
    raw.send({ type: "ModifyQuerySet", baseVersion: version, newVersion: ++version, modifications });
    return raw.next();
  };

  before(async () => {
    listening = await listeningSync(registry, { maxFrameBytes: 256 * KB, maxArgsChars: 40 * KB });
    raw = await RawSync.open(listening.baseUrl);
    raw.connect();
  });
  after(async () => {
    await raw.close();
    await listening.close();
  });

  it("serves the queries of a query set change over the limit that fit, and fails the one too large alone", async () => {
    const transition = await modify([add(0), add(1, "x".repeat(300 * KB)), add(2), { type: "Remove", queryId: 0 }]);
    assert.deepEqual(transition.modifications.map(outcome), [[0, "QueryRemoved", undefined], [1, "QueryFailed", "BAD_REQUEST"], [2, "QueryUpdated", 2]]);
    assert.match(transition.modifications[1].errorMessage, /^Query of \d+ bytes, in a frame of \d+ bytes, over the 262144 one frame may take$/);
    assert.equal(raw.ws.readyState, WebSocket.OPEN);
  });

  it("serves what a reconnect's frame over the limit re-adds up to three quarters of the limit, and fails the rest", async () => {
    // Eight queries of 35 KiB each, one under the per-query bound: 280 KiB together, as a reconnect would re-add them.
    const transition = await modify(Array.from({ length: 8 }, (_, n) => add(10 + n, "y".repeat(35 * KB))));
    assert.deepEqual(transition.modifications.map(outcome).sort(), [
      [10, "QueryUpdated", 10], [11, "QueryUpdated", 11], [12, "QueryUpdated", 12], [13, "QueryUpdated", 13], [14, "QueryUpdated", 14],
      [15, "QueryFailed", "BAD_REQUEST"], [16, "QueryFailed", "BAD_REQUEST"], [17, "QueryFailed", "BAD_REQUEST"],
    ]);
    assert.equal(raw.ws.readyState, WebSocket.OPEN);
  });

  it("answers a mutation and an action over the limit, and closes on another frame over it with 1009", async () => {
    raw.send({ type: "Mutation", requestId: 7, udfPath: "demo:store", args: [{ pad: "z".repeat(300 * KB) }] });
    raw.send({ type: "Action", requestId: 8, udfPath: "demo:act", args: [{ pad: "z".repeat(300 * KB) }] });
    const [mutation, , action] = [await raw.next(), await raw.next(), await raw.next()];
    assert.deepEqual([mutation.type, mutation.requestId, mutation.success, mutation.errorData], ["MutationResponse", 7, false, { code: "BAD_REQUEST" }]);
    assert.match(mutation.result, /^Mutation of \d+ bytes, over the 262144 one frame may take$/);
    assert.deepEqual([action.type, action.requestId, action.success], ["ActionResponse", 8, false]);
    assert.equal((await modify([add(30)])).modifications[0].value, 30, "the socket still serves");

    raw.send({ type: "Event", eventType: "x", event: "e".repeat(300 * KB) });
    const closed = await raw.closed;
    assert.equal(closed.code, 1009);
    assert.match(closed.reason, /^Event of \d+ bytes, over the 262144/);
  });
});

describe("the frame gate", () => {
  /** Client frames as the stock client sends them: final, text, masked. */
  function clientFrame(text: string, mask = [1, 2, 3, 4]): Buffer {
    const payload = Buffer.from(text);
    const extended = payload.length < 126 ? 0 : payload.length < 65536 ? 2 : 8;
    const header = Buffer.alloc(2 + extended + 4);
    header[0] = 0x81;
    header[1] = 0x80 | (extended === 0 ? payload.length : extended === 2 ? 126 : 127);
    if (extended === 2) header.writeUInt16BE(payload.length, 2);
    if (extended === 8) header.writeBigUInt64BE(BigInt(payload.length), 2);
    Buffer.from(mask).copy(header, 2 + extended);
    return Buffer.concat([header, payload.map((b, i) => b ^ mask[i % 4]!)]);
  }

  /** The texts of the frames `bytes` hold (the gate passes frames on masked). */
  function texts(bytes: Buffer): string[] {
    const out: string[] = [];
    for (let at = 0; at < bytes.length;) {
      let length = bytes[at + 1]! & 0x7f;
      let size = 2;
      if (length === 126) [length, size] = [bytes.readUInt16BE(at + 2), 4];
      else if (length === 127) [length, size] = [Number(bytes.readBigUInt64BE(at + 2)), 10];
      const mask = bytes.subarray(at + size, at + size + 4);
      out.push(Buffer.from(bytes.subarray(at + size + 4, at + size + 4 + length).map((b, i) => b ^ mask[i % 4]!)).toString());
      at += size + 4 + length;
    }
    return out;
  }

  it("passes frames under the limit on as they came, and a frame over it as its summary, however the reads split them", () => {
    const small = JSON.stringify({ type: "Connect", sessionId: "s", connectionCount: 0 });
    const big = JSON.stringify({ type: "Mutation", requestId: 3, udfPath: "a:b", args: [{ s: "\"quoted\" \\ ".repeat(100) }] });
    const large = { type: "Add", queryId: 2, udfPath: "a:b", args: [{ s: "x".repeat(600) }] };
    const mqs = JSON.stringify({ type: "ModifyQuerySet", baseVersion: 0, newVersion: 1, modifications: [
      { type: "Add", queryId: 1, udfPath: "a:b", args: [{}] }, large, { type: "Remove", queryId: 1 },
    ] });
    // The hub answers no Event: its summary goes as soon as its type is read, and the rest is discarded unread.
    const event = JSON.stringify({ type: "Event", eventType: "x", event: "e".repeat(600) });
    const stream = Buffer.concat([clientFrame(small), clientFrame(big), clientFrame(small), clientFrame(mqs), clientFrame(event), clientFrame(""), clientFrame(small)]);
    for (const step of [1, 3, 7, 64, stream.length]) {
      const socket = new PassThrough();
      const passed: Buffer[] = [];
      socket.on("data", (chunk: Buffer) => passed.push(chunk));
      assert.ok(FrameGate.install(socket, { frameLimit: 500, keepBytes: 200, maxElementBytes: 400 }));
      for (let at = 0; at < stream.length; at += step) socket.emit("data", stream.subarray(at, at + step));
      const [first, mutation, third, modify, unanswered, empty, last] = texts(Buffer.concat(passed));
      assert.deepEqual([first, third, empty, last], [small, small, "", small], `step ${step}`);
      assert.deepEqual(JSON.parse(unanswered!), { type: "Event", $frameBytes: Buffer.byteLength(event), $frameLimit: 500 });
      assert.deepEqual(JSON.parse(mutation!), { type: "Mutation", requestId: 3, udfPath: "a:b", $frameBytes: Buffer.byteLength(big), $frameLimit: 500 });
      assert.deepEqual(JSON.parse(modify!).modifications, [
        { type: "Add", queryId: 1, udfPath: "a:b", args: [{}] }, { type: "Add", queryId: 2, $bytes: JSON.stringify(large).length }, { type: "Remove", queryId: 1 },
      ]);
      const parsed = parseClientFrame(modify!);
      assert.ok(parsed.ok && parsed.message.type === "ModifyQuerySet");
      assert.match(JSON.stringify(parsed.message.modifications[1]), /Query of 660 bytes, in a frame of \d+ bytes, over the 500/);
    }
  });
});
