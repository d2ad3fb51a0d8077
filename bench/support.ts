/** Shared bench helpers: child servers on loopback, percentiles, a bounded timer, a hub's write path set up. */
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { ChangeFeed } from "../src/hub/changes.ts";
import type { Database } from "../src/hub/db/port.ts";
import { agentFromToken, OwnerAuth } from "../src/hub/http/auth.ts";
import { initialize } from "../src/hub/setup.ts";
import { LocalWriter } from "../src/hub/writer/local.ts";

export interface Child {
  process: ChildProcess;
  output: string;
  stop(): Promise<void>;
}

/** Spawns `node args…` and resolves once its stdout matched `ready`. */
export async function spawnChild(args: string[], ready: RegExp, timeoutMs = 30_000): Promise<Child & { match: RegExpMatchArray }> {
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
  // A bench that fails half-way leaves no server behind.
  const orphan = () => child.kill();
  process.once("exit", orphan);
  child.once("exit", () => process.off("exit", orphan));
  let output = "";
  const match = await new Promise<RegExpMatchArray>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${ready}: ${output}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const m = output.match(ready);
      if (m) {
        clearTimeout(timer);
        resolve(m);
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.once("exit", (code) => reject(new Error(`exited with ${code}: ${output}`)));
  });
  return {
    process: child,
    get output() {
      return output;
    },
    match,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await once(child, "exit");
      clearTimeout(timer);
    },
  };
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export const fmt = (n: number, digits = 0) => n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });

/**
 * CPU seconds (user + system, all threads) a process has used so far, from /proc.
 * Throughput per CPU-second is robust when other work shares the machine's cores.
 */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15 of stat)
  return ticks / 100; // USER_HZ is 100 on Linux
}

/** The PostgreSQL the benches put their hubs on (DEVELOPERS.md: this machine's, trust auth). */
export const BENCH_POSTGRES_URL = process.env.BENCH_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test";

/** Drops a bench hub's schema and everything in it. */
export async function dropBenchSchema(schema: string): Promise<void> {
  const { default: pg } = await import("pg");
  const client = new pg.Client({ connectionString: BENCH_POSTGRES_URL });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).finally(() => client.end());
}

/**
 * Sets a new data dir up on `db` as `hub init` does, through the real write path, and
 * answers its credentials with the agent and owner principals that commands take.
 */
export async function setUpWritePath(db: Database, dataDir: string) {
  const creds = await initialize({ writer: new LocalWriter(db, new ChangeFeed()) }, dataDir);
  const agent = await agentFromToken(db, creds.agentToken);
  const user = await new OwnerAuth(db).principal({ method: "POST", headers: { authorization: `Bearer ${creds.ownerToken}` } }, Date.now());
  return { creds, agent, user };
}
