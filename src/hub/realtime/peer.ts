/**
 * One client socket as the coordinator drives it: its protocol state, a task
 * queue (one task at a time, so Transitions leave in the order their versions
 * chain), sending with backpressure, liveness and closing.
 */
import { WebSocket } from "ws";
import type { Session } from "../services/sessions.ts";
import type { Admitted } from "./admissions.ts";
import { ConnectionState, type QueryLimits } from "./connection.ts";
import { encodeServerMessage, MAX_FRAME_CHARS, transitionChunks, type ServerMessage } from "./protocol.ts";

/** Client frames read and not yet handled, past which the socket is not read. */
export const MAX_UNHANDLED_FRAMES = 16;
/** Their bytes, past which the socket is not read either: one frame may take up to maxFrameBytes (16 MiB). */
export const MAX_UNHANDLED_BYTES = 16 * 1024 * 1024;

export class Peer {
  readonly state: ConnectionState;
  /** A refresh of the dirty queries is already queued. */
  refreshQueued = false;
  /** Protocol pings sent since the last pong. */
  missedPongs = 0;
  /** The web session from the upgrade's cookie (owner:* queries); agents have none. */
  session: Session | null = null;
  /** The client address its socket counts toward (none from loopback), and the principals it proved to be. */
  admitted: Admitted = { address: null, principals: [] };
  /** Counts the socket toward a principal's bound (the coordinator's; a query calls it once it has checked a token). */
  identify: (principal: string) => void = () => {};
  /** Closing or closed: no more tasks or frames. */
  closed = false;
  /** When its next keepalive is due (performance.now() ms); spread at random so sockets are not all pinged at once. */
  keepaliveAt: number;
  /** When a frame was last sent (performance.now() ms). */
  private sentAt = performance.now();
  private queue: Promise<void> = Promise.resolve();
  /** Frames read from the client and not handled yet, and their bytes. */
  private unhandled = 0;
  private unhandledBytes = 0;
  /** An answer waits for the client to read what was sent before it. */
  private awaitingDrain = false;
  private drainWaiters: (() => void)[] = [];
  /** Each write's callback: the last one to reach the kernel ends a backlog. */
  private readonly flushed = (): void => {
    if (this.drainWaiters.length > 0 && !this.backlogged) this.release();
  };

  constructor(
    readonly ws: WebSocket,
    limits: Partial<QueryLimits>,
    keepaliveMs: number,
    /** The client joins TransitionChunks (its version says so). */
    private readonly takesChunks = false,
  ) {
    this.state = new ConnectionState(limits);
    this.keepaliveAt = this.sentAt + Math.random() * keepaliveMs;
  }

  /** Runs `task` after every task queued before it; a throw goes to `onError`. */
  enqueue(task: () => Promise<void> | void, onError: (error: unknown) => void): void {
    this.queue = this.queue.then(() => (this.closed ? undefined : task())).catch(onError);
  }

  /**
   * Queues the handling of a frame of `bytes` from the client. Past MAX_UNHANDLED_FRAMES or MAX_UNHANDLED_BYTES the
   * socket is not read until some are handled: a client that sends faster than the hub answers (behind a slow query,
   * say) is slowed down by TCP instead of its frames piling up in the hub's memory.
   */
  receive(task: () => Promise<void> | void, onError: (error: unknown) => void, bytes = 0): void {
    this.unhandled++;
    this.unhandledBytes += bytes;
    this.updateReading();
    this.enqueue(task, onError);
    this.queue = this.queue.then(() => {
      this.unhandled--;
      this.unhandledBytes -= bytes;
      this.updateReading();
    });
  }

  /** Frames wait in memory because the kernel's socket buffer is full: the client reads slower than we send. */
  get backlogged(): boolean {
    return this.ws.bufferedAmount > 0;
  }

  /** Runs `then` once every frame sent so far has reached the kernel (or the socket closed): at once if none waits. */
  whenDrained(then: () => void): void {
    if (this.backlogged) this.drainWaiters.push(then);
    else then();
  }

  /**
   * Resolves once every frame sent so far has reached the kernel (or the socket closed), and until then reads
   * nothing more from the client: an answer waits for the client to read what came before it, and a client that
   * asks without reading is held to the frames already sent (a dead one is found by its missed pongs).
   */
  drained(): Promise<void> {
    if (!this.backlogged || this.closed) return Promise.resolve();
    this.awaitingDrain = true;
    this.updateReading();
    return new Promise((resolve) => this.whenDrained(() => {
      this.awaitingDrain = false;
      this.updateReading();
      resolve();
    }));
  }

  private updateReading(): void {
    if (this.closed) return;
    if (this.awaitingDrain || this.unhandled > MAX_UNHANDLED_FRAMES || this.unhandledBytes > MAX_UNHANDLED_BYTES) this.ws.pause();
    else if (this.ws.isPaused) this.ws.resume();
  }

  /** The socket closed: whatever waited for a drain goes on (and finds it closed). */
  release(): void {
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const waiter of waiters) waiter();
  }

  /** Sends a frame. Answers wait for `drained()` first and pushed results for `whenDrained`, so what waits in memory stays about one frame. */
  send(message: ServerMessage): void {
    if (this.closed || this.ws.readyState !== WebSocket.OPEN) return;
    const text = encodeServerMessage(message);
    if (this.takesChunks && text.length > MAX_FRAME_CHARS && message.type === "Transition") {
      for (const frame of transitionChunks(text)) this.ws.send(frame, this.flushed);
    } else {
      this.ws.send(text, this.flushed);
    }
    this.sentAt = performance.now();
  }

  /**
   * Keepalive: a protocol ping, which finds a dead peer (no pong to the last
   * `maxMissed` pings: dropped, and false), and an application Ping if the socket
   * was quiet, since the client reconnects after 60 s without a message. A live
   * client's pong can come late: it answers a ping only once it has read what was
   * sent before it.
   */
  keepalive(now: number, intervalMs: number, maxMissed: number): boolean {
    this.keepaliveAt = now + intervalMs;
    if (this.missedPongs >= maxMissed) {
      this.closed = true;
      this.ws.terminate();
      return false;
    }
    this.missedPongs++;
    this.ws.ping(undefined, undefined, this.flushed);
    // A backlogged client is still receiving frames, each of which resets its inactivity timer.
    if (now - this.sentAt >= intervalMs && !this.backlogged) this.send({ type: "Ping" });
    return true;
  }

  close(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.ws.close(code, closeReason(reason));
  }
}

/** A close reason must fit in 123 bytes of UTF-8. */
export function closeReason(reason: string): string {
  let text = reason;
  while (Buffer.byteLength(text) > 123) text = `${text.slice(0, -2)}…`;
  return text;
}
