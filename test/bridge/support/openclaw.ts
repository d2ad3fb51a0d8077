/**
 * A real OpenClaw gateway for end-to-end tests: the installed `openclaw` on its
 * pinned Node 24, started through the bridge's own supervisor, with an offline
 * config whose only model is the scripted server on loopback.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GatewayClient } from "../../../src/bridge/gateway/client.ts";
import { runtimePaths } from "../../../src/bridge/runtime.ts";
import { GatewaySupervisor } from "../../../src/bridge/supervisor.ts";

export interface TestGateway {
  url: string;
  token: string;
  dir: string;
  /** A client of its own (for waiting on turns from the test). */
  client: GatewayClient;
  close(): Promise<void>;
}

/** USD per million tokens: the scripted server reports 1000 in + 100 out per call. */
export const MODEL_COST = { input: 1, output: 2, cacheRead: 0, cacheWrite: 0 };

/** OpenClaw's config for a test that owns `dir`: its workspace and its log file live there (the log's default is /tmp/openclaw). */
export function openClawConfig(modelUrl: string, dir: string): Record<string, unknown> {
  const workspace = join(dir, "workspace");
  return {
    update: { checkOnStart: false },
    logging: { file: join(dir, "logs", "openclaw.log") },
    models: {
      mode: "merge",
      providers: {
        scripted: {
          baseUrl: modelUrl, apiKey: "test-key", api: "openai-completions",
          models: [
            { id: "m1", name: "Scripted", contextWindow: 32_000, maxTokens: 1024, cost: MODEL_COST },
            // The same server, declared to take images: a turn on it gets them inline.
            { id: "m2", name: "Scripted, with images", input: ["text", "image"], contextWindow: 32_000, maxTokens: 1024, cost: MODEL_COST },
          ],
        },
      },
    },
    agents: { defaults: { model: { primary: "scripted/m1" }, workspace, skipBootstrap: true } },
  };
}

export async function startTestGateway(modelUrl: string): Promise<TestGateway> {
  const runtime = runtimePaths();
  if (!runtime.installed) throw new Error("OpenClaw is not installed under runtime/ (run npm install)");
  const dir = mkdtempSync(join(tmpdir(), "gc-openclaw-"));
  mkdirSync(join(dir, "workspace"));
  const configPath = join(dir, "openclaw.json");
  writeFileSync(configPath, JSON.stringify(openClawConfig(modelUrl, dir)));
  const logs: string[] = [];
  const supervisor = new GatewaySupervisor({
    node: runtime.node, entry: runtime.entry, stateDir: join(dir, "managed"), configPath, port: 0,
    env: { PATH: process.env.PATH, HOME: dir, OPENCLAW_HOME: dir, TMPDIR: dir },
    log: (level, message) => logs.push(`${level}: ${message}`),
  });
  const { url, token } = await supervisor.start();
  const client = new GatewayClient({ url, token });
  const ready = new AbortController();
  const timer = setTimeout(() => ready.abort(), 120_000);
  try {
    await client.ready(ready.signal);
  } catch (error) {
    await supervisor.stop();
    throw new Error(`the gateway did not come up: ${client.lastError}\n${logs.join("\n")}`, { cause: error });
  } finally {
    clearTimeout(timer);
  }
  return {
    url, token, dir, client,
    async close() {
      await client.close();
      await supervisor.stop();
      rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
    },
  };
}
