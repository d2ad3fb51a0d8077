/**
 * One client socket as the coordinator drives it: its protocol state, a task
 * queue (one task at a time, so Transitions leave in the order their versions
 * chain), sending with backpressure, liveness and closing.
 */
import { WebSocket } from "ws";
import type { Session } from "../services/sessions.ts";
import { ConnectionState } from "./connection.ts";
import { encodeServerMessage, MAX_FRAME_CHARS, transitionChunks, type ServerMessage } from "./protocol.ts";

export class Peer {
  readonly state: ConnectionState;
  /** A refresh of the dirty queries is already queued. */
  refreshQueued = false;
  /** Protocol pings sent since the last pong. */
  missedPongs = 0;
  /** The web session from the upgrade's cookie (owner:* queries); agents have none. */
  session: Session | null = null;
  /** Closing or closed: no more tasks or frames. */
  closed = false;
  /** When its next keepalive is due (performance.now() ms); spread at random so sockets are not all pinged at once. */
  keepaliveAt: number;
  /** When a frame was last sent (performance.now() ms). */
  private sentAt = performance.now();
  private queue: Promise<void> = Promise.resolve();
  private drainWaiter: (() => void) | null = null;
  /** Each write's callback: the last one to reach the kernel ends a backlog. */
  private readonly flushed = (): void => {
    const waiter = this.drainWaiter;
    if (waiter && !this.backlogged) {
      this.drainWaiter = null;
      waiter();
    }
  };

  constructor(
    readonly ws: WebSocket,
    maxQueries: number,
    private readonly maxBufferedBytes: number,
    keepaliveMs: number,
    /** The client joins TransitionChunks (its version says so). */
    private readonly takesChunks = false,
  ) {
    this.state = new ConnectionState(maxQueries);
    this.keepaliveAt = this.sentAt + Math.random() * keepaliveMs;
  }

  /** Runs `task` after every task queued before it; a throw goes to `onError`. */
  enqueue(task: () => Promise<void> | void, onError: (error: unknown) => void): void {
    this.queue = this.queue.then(() => (this.closed ? undefined : task())).catch(onError);
  }

  /** Frames wait in memory because the kernel's socket buffer is full: the client reads slower than we send. */
  get backlogged(): boolean {
    return this.ws.bufferedAmount > 0;
  }

  /** Runs `then` once every frame sent so far has reached the kernel: at once if none waits. */
  whenDrained(then: () => void): void {
    if (this.backlogged) this.drainWaiter = then;
    else then();
  }

  /** Sends a frame; false (and the socket dropped) when the client has stopped reading. */
  send(message: ServerMessage): boolean {
    if (this.closed || this.ws.readyState !== WebSocket.OPEN) return true;
    if (this.ws.bufferedAmount > this.maxBufferedBytes) {
      this.closed = true;
      this.ws.terminate();
      return false;
    }
    const text = encodeServerMessage(message);
    if (this.takesChunks && text.length > MAX_FRAME_CHARS && message.type === "Transition") {
      for (const frame of transitionChunks(text)) this.ws.send(frame, this.flushed);
    } else {
      this.ws.send(text, this.flushed);
    }
    this.sentAt = performance.now();
    return true;
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
