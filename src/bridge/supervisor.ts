/**
 * Supervises a managed OpenClaw gateway (`--openclaw managed`): runs the
 * installed `openclaw gateway run` on its own Node 24 with its own state
 * directory, a token of its own and a fixed loopback port, and restarts it
 * (with backoff) when it dies. The user's OpenClaw config applies; a tool
 * policy given to the bridge is layered over it with `$include`.
 *
 * The port and token live in `<stateDir>/gateway.json` and the child's pid in
 * `gateway.pid`, so a bridge restarted after a crash finds a gateway it left
 * running and uses it: a turn that gateway is still working on is awaited, not
 * lost.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { closeSync, existsSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, join } from "node:path";
import { makeDir } from "../hub/make-dir.ts";
import { sleep, systemClock, type Clock } from "../sdk/clock.ts";
import { backoffDelay } from "../sdk/retry.ts";
import type { Log } from "./log.ts";
import { BridgeStartError } from "./state.ts";

/** OpenClaw's exit code for an invalid configuration (EX_CONFIG). */
export const EXIT_INVALID_CONFIG = 78;

export interface SupervisorOptions {
  node: string;
  entry: string;
  stateDir: string;
  /** The user's OpenClaw config (may not exist yet). */
  configPath: string;
  /** 0 = pick a free one the first time, then keep it. */
  port: number;
  tools?: { profile: string | null; allow: readonly string[]; deny: readonly string[] };
  /** The gateway's environment (default: this process's), less the bridge's own GROUPCHAT_ variables. */
  env?: NodeJS.ProcessEnv;
  clock?: Clock;
  log: Log;
  onExit?: (code: number | null, signal: string | null) => void;
}

interface Identity {
  port: number;
  token: string;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The pid is still an OpenClaw process (pids get reused). */
function isGateway(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("openclaw");
  } catch {
    return false;
  }
}

/** The gateway's own config: the user's, plus the bridge's tool policy when one is set. */
export function overlayConfig(configPath: string, tools: SupervisorOptions["tools"]): Record<string, unknown> | null {
  const policy: Record<string, unknown> = {};
  if (tools?.profile) policy.profile = tools.profile;
  if (tools?.allow.length) policy.allow = [...tools.allow];
  if (tools?.deny.length) policy.deny = [...tools.deny];
  if (Object.keys(policy).length === 0) return null;
  return { ...(existsSync(configPath) ? { $include: configPath } : {}), tools: policy };
}

/** A saved port and token, or null if the file is damaged (a half-written file, an edit gone wrong). */
function readIdentity(file: string): Identity | null {
  try {
    const saved = JSON.parse(readFileSync(file, "utf8")) as Partial<Identity>;
    return Number.isInteger(saved.port) && typeof saved.token === "string" && saved.token ? { port: saved.port!, token: saved.token } : null;
  } catch {
    return null;
  }
}

/** The bridge's own secrets: the gateway (and so the model's shell) has no use for them. */
function gatewayEnv(env: NodeJS.ProcessEnv | undefined): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env ?? process.env).filter(([name]) => !name.startsWith("GROUPCHAT_")));
}

export class GatewaySupervisor {
  readonly #o: SupervisorOptions;
  readonly #clock: Clock;
  readonly #stopping = new AbortController();
  /** Shutdown has begun: a gateway that exits now stays down. */
  #holding = false;
  #child: ChildProcess | null = null;
  #adoptedPid: number | null = null;
  #identity: Identity | null = null;
  #loop: Promise<void> | null = null;
  #restarts = 0;

  constructor(options: SupervisorOptions) {
    this.#o = options;
    this.#clock = options.clock ?? systemClock;
  }

  get restarts(): number {
    return this.#restarts;
  }

  /** Starts (or finds) the gateway; resolves with where to connect. The gateway may still be starting. */
  async start(): Promise<{ url: string; token: string }> {
    const where = await this.prepare();
    this.launch();
    return where;
  }

  /**
   * Where the gateway listens: its saved port and token, or new ones (saved). Starts nothing, so a bridge
   * told to stop at this point has no process to stop (and must not call `stop`, which forgets gateway.pid).
   */
  async prepare(): Promise<{ url: string; token: string }> {
    makeDir(this.#o.stateDir, "the managed gateway's state dir", "--openclaw-state", undefined, BridgeStartError);
    const identity = await this.#loadIdentity();
    this.#identity = identity;
    return { url: `ws://127.0.0.1:${identity.port}`, token: identity.token };
  }

  /** After `prepare`: uses the gateway a crashed bridge left running, or starts one, and supervises it. */
  launch(): void {
    const pidFile = join(this.#o.stateDir, "gateway.pid");
    const oldPid = existsSync(pidFile) ? Number(readFileSync(pidFile, "utf8")) : NaN;
    if (Number.isInteger(oldPid) && oldPid > 0 && alive(oldPid) && isGateway(oldPid)) {
      this.#o.log("info", "using the OpenClaw gateway a previous bridge left running", { pid: oldPid, port: this.#identity!.port });
      this.#adoptedPid = oldPid;
      this.#loop = this.#watchAdopted(oldPid);
    } else {
      this.#loop = this.#superviseLoop();
    }
  }

  async #loadIdentity(): Promise<Identity> {
    const file = join(this.#o.stateDir, "gateway.json");
    const exists = existsSync(file);
    const saved = exists ? readIdentity(file) : null;
    if (saved && (this.#o.port === 0 || saved.port === this.#o.port)) return saved;
    if (exists && !saved) this.#o.log("warn", "the managed gateway's identity file was unreadable; making a new one", { file });
    const identity = { port: this.#o.port || (await freePort()), token: randomBytes(24).toString("base64url") };
    writeFileSync(file, JSON.stringify(identity), { mode: 0o600 });
    return identity;
  }

  /**
   * Starts no gateway from now on (the bridge is shutting down: its runs end within the grace
   * period, and a fresh gateway would only fail them); the running one is left to `stop`.
   */
  holdRestarts(): void {
    this.#holding = true;
  }

  /** A gateway we did not spawn (left by a crashed bridge): when it dies, start our own. */
  async #watchAdopted(pid: number): Promise<void> {
    while (!this.#stopping.signal.aborted && alive(pid)) await sleep(this.#clock, 1_000, this.#stopping.signal).catch(() => undefined);
    this.#adoptedPid = null;
    if (!this.#stopping.signal.aborted && !this.#holding) await this.#superviseLoop();
  }

  async #superviseLoop(): Promise<void> {
    for (let failures = 0; !this.#stopping.signal.aborted && !this.#holding; ) {
      const startedAt = this.#clock.now();
      // A start that fails here (a file it cannot write: a full disk, a permission) is tried again like a crash:
      // thrown, it went nowhere (an unhandled rejection that killed the bridge, its runs not ended in order).
      const { code, signal } = await this.#runOnce().catch((error: unknown) => {
        this.#o.log("error", `could not start the OpenClaw gateway: ${error instanceof Error ? error.message : String(error)}`, { stateDir: this.#o.stateDir });
        return { code: null, signal: null };
      });
      if (this.#stopping.signal.aborted || this.#holding) return;
      this.#restarts++;
      this.#o.onExit?.(code, signal);
      // A gateway that ran for a while died of something else than its start: begin the backoff anew.
      failures = this.#clock.now() - startedAt > 60_000 ? 1 : failures + 1;
      const hint = code === EXIT_INVALID_CONFIG ? ` Its config is invalid: run "openclaw doctor" against ${this.#o.configPath}.` : "";
      const delay = backoffDelay(failures, { baseDelayMs: 500, maxDelayMs: 30_000 });
      this.#o.log("warn", `the OpenClaw gateway exited (code ${code ?? "none"}, signal ${signal ?? "none"}); restarting in ${Math.round(delay / 1000)} s.${hint}`, { logFile: join(this.#o.stateDir, "gateway.log") });
      await sleep(this.#clock, delay, this.#stopping.signal).catch(() => undefined);
    }
  }

  async #runOnce(): Promise<{ code: number | null; signal: string | null }> {
    const { stateDir } = this.#o;
    const identity = this.#identity!;
    const overlay = overlayConfig(this.#o.configPath, this.#o.tools);
    let configPath = this.#o.configPath;
    if (overlay) {
      configPath = join(stateDir, "openclaw.json");
      writeFileSync(configPath, JSON.stringify(overlay, null, 2));
    }
    const log = openSync(join(stateDir, "gateway.log"), "a");
    const child = spawn(this.#o.node, [this.#o.entry, "gateway", "run", "--allow-unconfigured", "--bind", "loopback", "--port", String(identity.port)], {
      env: {
        ...gatewayEnv(this.#o.env),
        OPENCLAW_STATE_DIR: join(stateDir, "state"),
        OPENCLAW_CONFIG_PATH: configPath,
        OPENCLAW_INCLUDE_ROOTS: dirname(this.#o.configPath),
        OPENCLAW_GATEWAY_TOKEN: identity.token,
        // The embedding preset (docs/gateway/embedding.md): we own discovery, restarts and channels.
        OPENCLAW_DISABLE_BONJOUR: "1",
        OPENCLAW_NO_RESPAWN: "1",
        OPENCLAW_SKIP_CHANNELS: "1",
        OPENCLAW_EXEC_SHELL_SNAPSHOT: "0",
      },
      stdio: ["ignore", log, log],
      // Its own process group: a terminal's Ctrl+C (or a service manager's stop) reaches the bridge alone,
      // which lets its runs finish within the grace period and then stops the gateway itself.
      detached: true,
    });
    closeSync(log);
    this.#child = child;
    // Not in our group any more, so an exit we did not plan (a crash) must take it along; a SIGKILL leaves
    // it to the next bridge, which adopts it (gateway.pid).
    const orphaned = () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    };
    process.once("exit", orphaned);
    child.once("exit", () => process.off("exit", orphaned));
    if (child.pid) writeFileSync(join(stateDir, "gateway.pid"), String(child.pid));
    this.#o.log("info", "started the OpenClaw gateway", { pid: child.pid, port: identity.port, config: configPath });
    return new Promise((resolve) => {
      child.once("error", (error) => {
        this.#o.log("error", `could not start the OpenClaw gateway: ${error.message}`, { node: this.#o.node });
        resolve({ code: null, signal: null });
      });
      child.once("exit", (code, signal) => {
        if (this.#child === child) this.#child = null;
        resolve({ code, signal });
      });
    });
  }

  /** Stops the gateway (SIGTERM, then SIGKILL after `killAfterMs`) and the supervision. Idempotent. */
  async stop(killAfterMs = 10_000): Promise<void> {
    this.#stopping.abort();
    const child = this.#child;
    const pid = child?.pid ?? this.#adoptedPid;
    if (pid && alive(pid)) {
      const exited = child ? new Promise((resolve) => child.once("exit", resolve)) : null;
      process.kill(pid, "SIGTERM");
      const deadline = this.#clock.now() + killAfterMs;
      while (alive(pid) && this.#clock.now() < deadline) {
        await Promise.race([exited, sleep(this.#clock, 100)]);
        if (child && child.exitCode !== null) break;
      }
      if (alive(pid) && (!child || child.exitCode === null)) process.kill(pid, "SIGKILL");
    }
    rmSync(join(this.#o.stateDir, "gateway.pid"), { force: true });
    await this.#loop?.catch(() => undefined);
  }
}
