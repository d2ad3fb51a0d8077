/**
 * One client socket as the coordinator drives it: its protocol state, a task
 * queue (one task at a time, so Transitions leave in the order their versions
 * chain), sending with backpressure, liveness and closing.
 */
import { WebSocket } from "ws";
import { ConnectionState } from "./connection.ts";
import { encodeServerMessage, type ServerMessage } from "./protocol.ts";

export class Peer {
  readonly state: ConnectionState;
  /** A refresh of the dirty queries is already queued. */
  refreshQueued = false;
  /** Answered the last protocol ping. */
  alive = true;
  /** Closing or closed: no more tasks or frames. */
  closed = false;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    readonly ws: WebSocket,
    maxQueries: number,
    private readonly maxBufferedBytes: number,
  ) {
    this.state = new ConnectionState(maxQueries);
  }

  /** Runs `task` after every task queued before it; a throw goes to `onError`. */
  enqueue(task: () => Promise<void> | void, onError: (error: unknown) => void): void {
    this.queue = this.queue.then(() => (this.closed ? undefined : task())).catch(onError);
  }

  /** Sends a frame; false (and the socket dropped) when the client has stopped reading. */
  send(message: ServerMessage): boolean {
    if (this.closed || this.ws.readyState !== WebSocket.OPEN) return true;
    if (this.ws.bufferedAmount > this.maxBufferedBytes) {
      this.closed = true;
      this.ws.terminate();
      return false;
    }
    this.ws.send(encodeServerMessage(message));
    return true;
  }

  /** Protocol ping; false when the previous one went unanswered (the peer is dead and is dropped). */
  ping(): boolean {
    if (!this.alive) {
      this.closed = true;
      this.ws.terminate();
      return false;
    }
    this.alive = false;
    this.ws.ping();
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
