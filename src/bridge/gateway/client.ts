/**
 * A client of the OpenClaw Gateway's WebSocket protocol, written for Node 20
 * (the official client needs Node 22). It connects (challenge → connect →
 * hello-ok), reconnects with capped, jittered backoff when the socket drops or
 * the gateway is still starting, and multiplexes requests and events.
 *
 * A request may be answered twice on the same id (`agent`: first `accepted`,
 * then the final answer); `request` resolves with the first answer that
 * `isFinal` accepts. A drop rejects every open request with a retryable
 * `GatewayError` ("disconnected"): the gateway keeps running accepted work, so
 * callers resume by idempotency key after `ready()`.
 */
import { randomUUID } from "node:crypto";
import WebSocket from "ws";
import { sleep, systemClock, type Clock } from "../../sdk/clock.ts";
import { backoffDelay } from "../../sdk/retry.ts";
import { connectParams, parseFrame, parseHello, requestFrame, type EventFrame, type GatewayErrorShape, type HelloOk } from "./frames.ts";

/** How long a closing connection waits for the gateway's answer to its close before it is cut. */
const CLOSE_GRACE_MS = 2_000;

export type GatewayErrorCode = "disconnected" | "closed" | "timeout" | "aborted" | "rejected" | "unauthorized";

export class GatewayError extends Error {
  override readonly name = "GatewayError";
  constructor(
    readonly code: GatewayErrorCode,
    message: string,
    readonly shape?: GatewayErrorShape,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  get retryable(): boolean {
    return this.code === "disconnected" || (this.code === "rejected" && this.shape?.retryable === true);
  }
}

export type GatewayState = "connecting" | "connected" | "disconnected" | "closed";

export interface GatewayClientOptions {
  url: string;
  token?: string;
  clientVersion?: string;
  /** The `ws` constructor (injectable for tests). */
  webSocket?: typeof WebSocket;
  clock?: Clock;
  /** Reconnect backoff. Defaults 250 ms doubling to 5 s, with jitter. */
  backoff?: { baseDelayMs: number; maxDelayMs: number };
  /** How long one handshake may take. Default 10 s. */
  handshakeTimeoutMs?: number;
  onState?: (state: GatewayState, detail?: string) => void;
}

interface Pending {
  resolve(payload: unknown): void;
  reject(error: unknown): void;
  isFinal(payload: unknown): boolean;
}

export type EventListener = (frame: EventFrame) => void;

export class GatewayClient {
  readonly #o: GatewayClientOptions;
  readonly #clock: Clock;
  readonly #pending = new Map<string, Pending>();
  readonly #listeners = new Set<EventListener>();
  readonly #waiters = new Set<{ resolve(hello: HelloOk): void; reject(error: unknown): void }>();
  readonly #closing = new AbortController();
  #socket: WebSocket | null = null;
  /** The connection whose handshake is under way (it becomes `#socket` at hello-ok). */
  #handshaking: WebSocket | null = null;
  #hello: HelloOk | null = null;
  #state: GatewayState = "disconnected";
  #loop: Promise<void> | null = null;
  #lastError = "";
  /** Cleared for good when the gateway refuses a connect that asks for operator.admin. */
  #askAdmin = true;

  constructor(options: GatewayClientOptions) {
    this.#o = options;
    this.#clock = options.clock ?? systemClock;
  }

  get state(): GatewayState {
    return this.#state;
  }

  /** The limits the gateway gave this connection (hello-ok), or null before one is made. */
  get policy(): HelloOk["policy"] | null {
    return this.#hello?.policy ?? null;
  }

  /** The gateway process's boot id (from hello-ok): a new one means a restarted gateway. */
  get bootId(): string | null {
    return this.#hello?.server.bootId ?? null;
  }

  get lastError(): string {
    return this.#lastError;
  }

  /** Connects, and keeps reconnecting until `close()`. Idempotent. */
  start(): void {
    this.#loop ??= this.#run();
  }

  /** Resolves once connected (starting the client if needed). */
  ready(signal?: AbortSignal): Promise<HelloOk> {
    this.start();
    if (this.#state === "connected" && this.#hello) return Promise.resolve(this.#hello);
    if (this.#state === "closed") return Promise.reject(new GatewayError("closed", "gateway client closed"));
    return new Promise((resolve, reject) => {
      const waiter = {
        resolve: (hello: HelloOk) => (cleanup(), resolve(hello)),
        reject: (error: unknown) => (cleanup(), reject(error)),
      };
      const onAbort = () => waiter.reject(new GatewayError("aborted", "aborted while waiting for the gateway", undefined, { cause: signal?.reason }));
      const cleanup = () => {
        this.#waiters.delete(waiter);
        signal?.removeEventListener("abort", onAbort);
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#waiters.add(waiter);
    });
  }

  onEvent(listener: EventListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Sends a request on the current connection and resolves with the first answer
   * `isFinal` accepts (default: the first). Rejects with a `GatewayError`.
   */
  request<T = unknown>(method: string, params: unknown, options: { signal?: AbortSignal; isFinal?: (payload: unknown) => boolean; onInterim?: (payload: unknown) => void; timeoutMs?: number } = {}): Promise<T> {
    const socket = this.#socket;
    if (!socket || this.#state !== "connected") return Promise.reject(new GatewayError("disconnected", "not connected to the gateway"));
    const id = randomUUID();
    return new Promise<T>((resolve, reject) => {
      let cancelTimer: (() => void) | null = null;
      const done = () => {
        this.#pending.delete(id);
        cancelTimer?.();
        options.signal?.removeEventListener("abort", onAbort);
      };
      const onAbort = () => (done(), reject(new GatewayError("aborted", `${method} aborted`, undefined, { cause: options.signal?.reason })));
      if (options.signal?.aborted) return onAbort();
      options.signal?.addEventListener("abort", onAbort, { once: true });
      if (options.timeoutMs) cancelTimer = this.#clock.setTimeout(() => (done(), reject(new GatewayError("timeout", `${method} timed out`))), options.timeoutMs);
      this.#pending.set(id, {
        isFinal: options.isFinal ?? (() => true),
        resolve: (payload) => {
          if (this.#pending.get(id)?.isFinal(payload) === false) return options.onInterim?.(payload);
          done();
          resolve(payload as T);
        },
        reject: (error) => (done(), reject(error)),
      });
      socket.send(requestFrame(id, method, params));
    });
  }

  /** Closes the socket and stops reconnecting; open requests reject. Idempotent. */
  async close(): Promise<void> {
    if (this.#state === "closed") return;
    this.#setState("closed");
    this.#closing.abort();
    const socket = this.#socket;
    socket?.close(1000, "bridge closing");
    // A gateway that never answers the close (hung, or out of reach) would hold shutdown up for ws's 30 s.
    const cancelTerminate = socket ? this.#clock.setTimeout(() => socket.terminate(), CLOSE_GRACE_MS) : () => {};
    // A connection still in its handshake is not `#socket` yet: left open, its hello-ok would keep `#run` waiting.
    this.#handshaking?.terminate();
    this.#failAll(new GatewayError("closed", "gateway client closed"));
    for (const waiter of [...this.#waiters]) waiter.reject(new GatewayError("closed", "gateway client closed"));
    await this.#loop?.catch(() => undefined);
    cancelTerminate();
  }

  async #run(): Promise<void> {
    const backoff = { baseDelayMs: 250, maxDelayMs: 5_000, ...this.#o.backoff };
    for (let attempt = 1; !this.#closing.signal.aborted; attempt++) {
      let retryAfterMs: number | undefined;
      try {
        const closed = await this.#connectOnce();
        attempt = 0; // a working connection resets the backoff
        retryAfterMs = await closed;
      } catch (error) {
        this.#lastError = error instanceof Error ? error.message : String(error);
        retryAfterMs = error instanceof GatewayError ? error.shape?.retryAfterMs : undefined;
      }
      if (this.#closing.signal.aborted) return;
      this.#setState("disconnected", this.#lastError);
      const delay = retryAfterMs ?? backoffDelay(Math.max(0, attempt - 1), backoff);
      await sleep(this.#clock, delay, this.#closing.signal).catch(() => undefined);
    }
  }

  /** One connection: resolves (with a promise of its end) once hello-ok arrived. */
  #connectOnce(): Promise<Promise<number | undefined>> {
    this.#setState("connecting");
    const Ctor = this.#o.webSocket ?? WebSocket;
    const socket = new Ctor(this.#o.url, { maxPayload: 64 * 1024 * 1024 });
    this.#handshaking = socket;
    return new Promise((resolveOpen, rejectOpen) => {
      let open = false;
      let resolveClosed: (retryAfterMs: number | undefined) => void = () => {};
      const closed = new Promise<number | undefined>((resolve) => (resolveClosed = resolve));
      const connectId = randomUUID();
      const cancelTimer = this.#clock.setTimeout(() => {
        rejectOpen(new GatewayError("timeout", "gateway handshake timed out"));
        socket.terminate();
      }, this.#o.handshakeTimeoutMs ?? 10_000);

      socket.on("message", (data) => {
        let frame;
        try {
          frame = parseFrame(String(data));
        } catch (error) {
          this.#lastError = (error as Error).message;
          return;
        }
        if (frame.type === "event") {
          if (frame.event === "connect.challenge" && !open) {
            socket.send(requestFrame(connectId, "connect", connectParams({
              token: this.#o.token, clientVersion: this.#o.clientVersion ?? "0.1.0", admin: this.#askAdmin,
            })));
            return;
          }
          for (const listener of this.#listeners) {
            try {
              listener(frame);
            } catch (error) {
              console.error("gateway event listener failed", error);
            }
          }
          return;
        }
        if (frame.id === connectId) {
          cancelTimer();
          if (!frame.ok) {
            // A gateway whose token may not hold admin (e.g. a paired device): the next attempt asks for less.
            if (this.#askAdmin && /scope|admin|forbidden/i.test(`${frame.error?.code ?? ""} ${frame.error?.message ?? ""}`)) {
              this.#askAdmin = false;
            }
            const code = frame.error?.code === "UNAUTHORIZED" || /auth|token/i.test(frame.error?.message ?? "") ? "unauthorized" : "rejected";
            rejectOpen(new GatewayError(code, `gateway refused connect: ${frame.error?.message ?? "unknown error"}`, frame.error));
            socket.close();
            return;
          }
          try {
            this.#hello = parseHello(frame.payload);
          } catch (error) {
            rejectOpen(error);
            socket.close();
            return;
          }
          open = true;
          this.#handshaking = null;
          this.#socket = socket;
          this.#setState("connected");
          for (const waiter of [...this.#waiters]) waiter.resolve(this.#hello);
          resolveOpen(closed);
          return;
        }
        const pending = this.#pending.get(frame.id);
        if (!pending) return;
        if (frame.ok) pending.resolve(frame.payload);
        else pending.reject(new GatewayError("rejected", frame.error?.message ?? "request failed", frame.error));
      });
      socket.on("error", (error) => {
        this.#lastError = error.message;
        if (!open) {
          cancelTimer();
          rejectOpen(error);
        }
      });
      socket.on("close", (code, reason) => {
        cancelTimer();
        if (this.#socket === socket) this.#socket = null;
        if (this.#handshaking === socket) this.#handshaking = null;
        this.#failAll(new GatewayError("disconnected", `gateway connection closed (${code}${reason.length ? ` ${String(reason)}` : ""})`));
        if (!open) rejectOpen(new GatewayError("disconnected", `gateway closed the connection during the handshake (${code})`));
        resolveClosed(undefined);
      });
    });
  }

  #failAll(error: GatewayError): void {
    for (const pending of [...this.#pending.values()]) pending.reject(error);
    this.#pending.clear();
  }

  #setState(state: GatewayState, detail?: string): void {
    if (this.#state === state || this.#state === "closed") return;
    this.#state = state;
    this.#o.onState?.(state, detail);
  }
}
