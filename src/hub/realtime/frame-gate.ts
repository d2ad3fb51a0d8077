/**
 * Reads the headers of a client's WebSocket frames ahead of `ws`, on the upgraded socket, and passes every frame
 * through untouched, except one: a single text frame over the size limit. `ws` would close the socket on it
 * (1009), and the stock client sends the same frame again after every reconnect (a mutation it is waiting on, or
 * a query set that holds a huge query), forever, with its other queries dropped each time. The gate reads such a
 * frame as it streams past, holding only a summary (oversized-frame.ts), and hands `ws` that summary as a small
 * frame in its place, so the hub answers it (a failed mutation, a failed query) and the socket stays.
 *
 * A message sent in fragments is left to `ws`, which closes at the limit as before (neither the stock client on
 * Node nor a browser fragments what it sends). The cost on the hot path is a few integer reads per frame header;
 * the chunks that reach `ws` are the ones the socket read, unless a header straddles two of them.
 */
import type { Duplex } from "node:stream";
import { OversizedFrame, type OversizedFrameLimits } from "./oversized-frame.ts";

const TEXT = 0x1;
const FIN = 0x80;

type Forward = (this: Duplex, chunk: Buffer) => void;

export class FrameGate {
  /** Bytes of a header that straddles two reads. */
  private partial: Buffer | null = null;
  /** Payload bytes of the current frame still to come. */
  private remaining = 0;
  /** The oversized frame being read in place of passing it on, and its mask. */
  private oversized: OversizedFrame | null = null;
  private mask: Buffer | null = null;
  /** The rest of an oversized frame whose summary already went. */
  private discarding = false;
  private stopped = false;
  /** The last header read (fields, not an object: no allocation per frame). */
  private fin = false;
  private opcode = 0;
  /** Payload bytes (a length past 2^53 reads as Infinity: over any limit). */
  private length = 0;
  /** Header bytes, mask included. */
  private size = 0;
  private masked = false;

  private constructor(private readonly socket: Duplex, private readonly forward: Forward, private readonly limits: OversizedFrameLimits) {}

  /**
   * Puts a gate between an upgraded socket and the `ws` socket just made from it, which reads it through its one
   * 'data' listener; null (no gate) if that is not how this version of `ws` reads it.
   */
  static install(socket: Duplex, limits: OversizedFrameLimits): FrameGate | null {
    const listeners = socket.listeners("data");
    if (listeners.length !== 1) return null;
    const forward = listeners[0] as Forward;
    const gate = new FrameGate(socket, forward, limits);
    socket.removeListener("data", forward);
    socket.on("data", (chunk: Buffer) => gate.read(chunk));
    return gate;
  }

  /** `ws` gave up on the socket (a bad frame): the rest is discarded, as `ws` does once it stops reading. */
  stop(): void {
    this.stopped = true;
    this.partial = null;
    this.oversized = null;
  }

  private read(data: Buffer): void {
    if (this.stopped) return;
    let chunk = data;
    if (this.partial) {
      chunk = Buffer.concat([this.partial, data]);
      this.partial = null;
    }
    let i = 0;
    /** Where the bytes not yet passed on start. */
    let pass = 0;
    while (i < chunk.length) {
      if (this.remaining > 0) {
        const take = Math.min(this.remaining, chunk.length - i);
        const swallowed = this.oversized !== null || this.discarding;
        this.oversized?.push(chunk, i, i + take, this.mask);
        i += take;
        this.remaining -= take;
        // Its summary goes at its end, or as soon as its type shows the hub will not answer it: the rest is discarded unread.
        if (this.oversized && (this.remaining === 0 || this.oversized.unanswered)) {
          this.summarize();
          this.discarding = this.remaining > 0;
        } else if (this.remaining === 0) {
          this.discarding = false;
        }
        if (swallowed) pass = i;
        continue;
      }
      if (!this.readHeader(chunk, i)) {
        this.partial = Buffer.from(chunk.subarray(i));
        break;
      }
      const { length, size } = this;
      if (this.fin && this.opcode === TEXT && length > this.limits.frameLimit) {
        if (pass < i) this.pass(chunk.subarray(pass, i));
        this.oversized = new OversizedFrame(this.limits, length);
        this.mask = this.masked ? Buffer.from(chunk.subarray(i + size - 4, i + size)) : null;
      }
      i += size;
      this.remaining = length;
      // An empty frame has no payload to wait for.
      if (length === 0 && this.oversized) this.summarize();
      if (this.oversized) pass = i;
    }
    // Bytes swallowed are behind `pass`; the rest of the chunk goes on, whole when it can.
    const end = this.partial ? chunk.length - this.partial.length : chunk.length;
    if (pass === 0 && end === chunk.length) this.pass(chunk);
    else if (pass < end) this.pass(chunk.subarray(pass, end));
  }

  /** The oversized frame has been read: `ws` gets its summary, as an unmasked (all-zero mask) text frame. */
  private summarize(): void {
    const payload = Buffer.from(this.oversized!.summary());
    this.oversized = null;
    this.mask = null;
    this.pass(Buffer.concat([frameHeader(payload.length), payload]));
  }

  /** Reads the frame header at `at` into the fields; false if the chunk ends inside it. */
  private readHeader(chunk: Buffer, at: number): boolean {
    if (chunk.length - at < 2) return false;
    const b0 = chunk[at]!;
    const b1 = chunk[at + 1]!;
    let length = b1 & 0x7f;
    let size = 2;
    if (length === 126) {
      if (chunk.length - at < 4) return false;
      length = chunk.readUInt16BE(at + 2);
      size = 4;
    } else if (length === 127) {
      if (chunk.length - at < 10) return false;
      const high = chunk.readUInt32BE(at + 2);
      length = high >= 0x200000 ? Infinity : high * 2 ** 32 + chunk.readUInt32BE(at + 6);
      size = 10;
    }
    const masked = (b1 & 0x80) !== 0;
    if (masked) size += 4;
    if (chunk.length - at < size) return false;
    this.fin = (b0 & FIN) !== 0;
    this.opcode = b0 & 0x0f;
    this.length = length;
    this.size = size;
    this.masked = masked;
    return true;
  }

  private pass(chunk: Buffer): void {
    if (!this.stopped) this.forward.call(this.socket, chunk);
  }
}

/** A final text frame's header for `length` bytes, masked with zeros (a server reads only masked frames). */
function frameHeader(length: number): Buffer {
  const size = length < 126 ? 2 : length < 65536 ? 4 : 10;
  const header = Buffer.alloc(size + 4);
  header[0] = FIN | TEXT;
  if (size === 2) header[1] = 0x80 | length;
  else if (size === 4) {
    header[1] = 0x80 | 126;
    header.writeUInt16BE(length, 2);
  } else {
    header[1] = 0x80 | 127;
    header.writeBigUInt64BE(BigInt(length), 2);
  }
  return header;
}
