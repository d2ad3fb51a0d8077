/**
 * The managed gateway's supervision, with a stand-in child (a tiny Node script
 * in place of `openclaw.mjs`): restart after a crash, adopt a gateway a crashed
 * bridge left running, stop what it started.
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { GatewaySupervisor, overlayConfig } from "../../src/bridge/supervisor.ts";
import { tempDir } from "../support/temp.ts";

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until(probe: () => boolean): Promise<void> {
  while (!probe()) await new Promise((resolve) => setTimeout(resolve, 20));
}

describe("GatewaySupervisor", { timeout: 60_000 }, () => {
  function setup(script: string, env?: NodeJS.ProcessEnv, tools?: { profile: string | null; allow: string[]; deny: string[] }) {
    const dir = tempDir("gc-sup-");
    // Named like OpenClaw's entry, so a later supervisor recognises the process as a gateway.
    const entry = join(dir, "openclaw-stand-in.mjs");
    writeFileSync(entry, script);
    const logs: string[] = [];
    const make = () => new GatewaySupervisor({
      node: process.execPath, entry, stateDir: join(dir, "state"), configPath: join(dir, "openclaw.json"), port: 0,
      env, tools, log: (level, message) => logs.push(`${level}: ${message}`),
    });
    return { dir, make, logs };
  }

  /** The process group of `pid` (field 5 of /proc/PID/stat). */
  const groupOf = (pid: number | "self") => {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2]);
  };

  it("starts the gateway in a process group of its own, without the bridge's GROUPCHAT_ secrets in its environment", async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, GROUPCHAT_AGENT_TOKEN: "gca_not_for_the_model", GROUPCHAT_API_URL: "http://127.0.0.1:1", MODEL_API_KEY: "kept" };
    const { dir, make } = setup(
      // Written whole, then renamed: the test polls for the file and must never read it half-written.
      `import { renameSync, writeFileSync } from "node:fs";\n` +
      `writeFileSync(process.env.STAND_IN_SEEN + ".tmp", JSON.stringify(Object.keys(process.env)));\n` +
      `renameSync(process.env.STAND_IN_SEEN + ".tmp", process.env.STAND_IN_SEEN);\n` +
      "setInterval(() => {}, 1000);\n",
      env,
    );
    env.STAND_IN_SEEN = join(dir, "seen.json");
    const supervisor = make();
    await supervisor.start();
    await until(() => existsSync(join(dir, "seen.json")));
    const pid = Number(readFileSync(join(dir, "state", "gateway.pid"), "utf8"));
    // A terminal's Ctrl+C goes to the foreground group: the bridge's, not the gateway's.
    assert.equal(groupOf(pid), pid);
    assert.notEqual(groupOf(pid), groupOf("self"));
    const seen = JSON.parse(readFileSync(join(dir, "seen.json"), "utf8")) as string[];
    assert.deepEqual(seen.filter((name) => name.startsWith("GROUPCHAT_")), []);
    assert.ok(seen.includes("MODEL_API_KEY") && seen.includes("OPENCLAW_GATEWAY_TOKEN"));
    await supervisor.stop();
    assert.equal(alive(pid), false);
  });

  it("starts no new gateway once restarts are held (the bridge is shutting down)", async () => {
    const { dir, make } = setup("setTimeout(() => process.exit(3), 200);\n");
    const supervisor = make();
    await supervisor.start();
    await until(() => existsSync(join(dir, "state", "gateway.pid")));
    const pid = Number(readFileSync(join(dir, "state", "gateway.pid"), "utf8"));
    supervisor.holdRestarts();
    await until(() => !alive(pid));
    // Past the first restart's backoff (at most 1 s): a restart would have counted and written a new pid.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    assert.equal(supervisor.restarts, 0);
    assert.equal(Number(readFileSync(join(dir, "state", "gateway.pid"), "utf8")), pid);
    await supervisor.stop();
  });

  it("restarts a gateway that dies, and keeps its port and token", async () => {
    const { dir, make, logs } = setup("process.exit(3);\n");
    const supervisor = make();
    const first = await supervisor.start();
    await until(() => supervisor.restarts >= 2);
    await supervisor.stop();
    assert.ok(logs.some((line) => /exited \(code 3/.test(line)), logs.join("\n"));
    const again = make();
    assert.deepEqual(await again.start(), first, "the same port and token after a restart of the bridge");
    await again.stop();
    assert.equal(existsSync(join(dir, "state", "gateway.pid")), false);
  });

  it("uses the gateway a crashed bridge left running, and stops it on shutdown", async () => {
    const { dir, make, logs } = setup("setInterval(() => {}, 1000);\n");
    const first = make();
    await first.start();
    await until(() => existsSync(join(dir, "state", "gateway.pid")));
    const pid = Number(readFileSync(join(dir, "state", "gateway.pid"), "utf8"));
    assert.ok(alive(pid));
    // The first bridge "crashes": its supervisor is gone without stopping the child.
    const second = make();
    await second.start();
    assert.ok(logs.some((line) => line.includes("left running")), logs.join("\n"));
    await second.stop();
    await until(() => !alive(pid));
    await first.stop();
  });

  it("makes a new identity when the saved one is damaged, instead of failing to start", async () => {
    const { dir, make, logs } = setup("setInterval(() => {}, 1000);\n");
    mkdirSync(join(dir, "state"), { recursive: true });
    writeFileSync(join(dir, "state", "gateway.json"), '{"port": 12');
    const supervisor = make();
    const { url, token } = await supervisor.start();
    assert.match(url, /^ws:\/\/127\.0\.0\.1:\d+$/);
    assert.ok(token.length > 20);
    assert.ok(logs.some((line) => line.includes("identity file was unreadable")), logs.join("\n"));
    await supervisor.stop();
  });

  it("a gateway it cannot start (its files cannot be written) is logged and tried again, instead of crashing the bridge", async () => {
    const rejections: unknown[] = [];
    const onRejection = (reason: unknown) => rejections.push(reason);
    process.on("unhandledRejection", onRejection);
    try {
      const { dir, make, logs } = setup("setInterval(() => {}, 1000);\n", undefined, { profile: "coding", allow: [], deny: [] });
      // Where the tool policy's config goes, a directory: writing it fails at every start (like a full disk).
      mkdirSync(join(dir, "state", "openclaw.json"), { recursive: true });
      const supervisor = make();
      await supervisor.start();
      await until(() => rejections.length > 0 || supervisor.restarts >= 1);
      await supervisor.stop();
      assert.deepEqual(rejections, []);
      assert.ok(logs.some((line) => line.startsWith("error: could not start the OpenClaw gateway") && line.includes("EISDIR")), logs.join("\n"));
    } finally {
      process.off("unhandledRejection", onRejection);
    }
  });

  it("layers a tool policy over the user's config only when one is given", () => {
    assert.equal(overlayConfig("/home/me/.openclaw/openclaw.json", { profile: null, allow: [], deny: [] }), null);
    assert.deepEqual(overlayConfig("/nonexistent/openclaw.json", { profile: "coding", allow: [], deny: ["exec"] }), { tools: { profile: "coding", deny: ["exec"] } });
  });
});
