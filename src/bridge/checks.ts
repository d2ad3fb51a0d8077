/**
 * The links the bridge depends on, each checked on its own with a fix for
 * when it fails (`openclaw-groupchat doctor`, and `start`'s model hint). Each
 * takes a signal that ends it at once (its requests, sockets and child process
 * with it); what an aborted check answers says nothing and is not shown.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { ConvexClient } from "convex/browser";
import { anyApi } from "convex/server";
import { judgeSyncAnswer, NotSyncEndpointError, probeSyncEndpoint } from "../sdk/index.ts";
import { linkedSignal } from "../sdk/signal.ts";
import { checkAgentApi } from "./api-check.ts";
import type { BridgeConfig } from "./config.ts";
import { GatewayClient } from "./gateway/client.ts";

export interface CheckResult {
  name: string;
  ok: boolean;
  /** What was found. */
  detail: string;
  /** What to do when not ok. */
  fix?: string;
}

export async function checkToken(config: BridgeConfig, fetchImpl?: typeof fetch, signal?: AbortSignal): Promise<CheckResult> {
  const name = "agent token (GET /me)";
  const result = await checkAgentApi(config, { fetch: fetchImpl, signal });
  // The problem says what to change (the token, or the URL and to what).
  return result.ok ? { name, ok: true, detail: `signed in as agent "${result.agentName}" of ${result.ownerName}` } : { name, ok: false, detail: result.problem };
}

export async function checkSubscription(config: BridgeConfig, timeoutMs = 10_000, signal?: AbortSignal): Promise<CheckResult> {
  const name = "real-time subscription (pendingRuns)";
  if (!config.convexUrl) return { name, ok: true, detail: "GROUPCHAT_CONVEX_URL is not set: the bridge polls every 5 s instead", fix: "Set GROUPCHAT_CONVEX_URL for instant pickup." };
  const url = config.convexUrl.replace(/\/+$/, "");
  const notSync = (error: NotSyncEndpointError): CheckResult => ({ name, ok: false, detail: `not a real-time sync endpoint: ${error.found}`, fix: error.hint });
  let convex: ConvexClient;
  try {
    convex = new ConvexClient(url, { logger: false });
  } catch (error) {
    return notSync(new NotSyncEndpointError(url, { refused: error instanceof Error ? error.message : String(error) }));
  }
  // Aborted once the check is over (a probe still out is cut), or by the caller's signal (which ends the check).
  const over = new AbortController();
  const probing = linkedSignal([signal, over.signal]);
  try {
    const result = await new Promise<CheckResult>((resolve) => {
      const timer = setTimeout(() => resolve({ name, ok: false, detail: `no answer within ${timeoutMs / 1000} s`, fix: `Check GROUPCHAT_CONVEX_URL (${config.convexUrl}) is reachable (WebSocket).` }), timeoutMs);
      const stopped = () => (clearTimeout(timer), resolve({ name, ok: false, detail: "stopped" }));
      if (probing.signal.aborted) stopped();
      probing.signal.addEventListener("abort", stopped, { once: true });
      // The stock client only tries again after a failed upgrade: what answered it says whether it is worth waiting.
      let asked = false;
      convex.subscribeToConnectionState((state) => {
        if (asked || state.hasEverConnected || state.connectionRetries === 0) return;
        asked = true;
        void probeSyncEndpoint(url, probing.signal).then((answer) => {
          if (judgeSyncAnswer(answer) !== "not_sync" || answer.kind !== "http") return;
          clearTimeout(timer);
          resolve(notSync(new NotSyncEndpointError(url, answer)));
        });
      });
      convex.onUpdate(anyApi.agentWebSocket!.pendingRuns!, { token: config.agentToken }, (runs: unknown) => {
        clearTimeout(timer);
        resolve({ name, ok: true, detail: `subscribed; ${Array.isArray(runs) ? runs.length : 0} pending run(s)` });
      }, (error) => {
        clearTimeout(timer);
        resolve({ name, ok: false, detail: error.message.split("\n")[0]!, fix: "The subscription refused the token: check GROUPCHAT_AGENT_TOKEN and that GROUPCHAT_CONVEX_URL belongs to the same GroupChat." });
      });
    });
    return result;
  } finally {
    over.abort();
    probing.dispose();
    await convex.close();
  }
}

export async function checkGateway(config: BridgeConfig, timeoutMs = 10_000, signal?: AbortSignal): Promise<CheckResult> {
  const o = config.openclaw;
  if (o.mode === "managed") {
    const name = "OpenClaw (managed)";
    if (!existsSync(o.node) || !existsSync(o.entry)) {
      return { name, ok: false, detail: `not installed (${o.entry})`, fix: "Run npm install in the clone, or install the package again without OPENCLAW_GROUPCHAT_SKIP_RUNTIME=1 (either puts OpenClaw and Node 24 under runtime/), or set OPENCLAW_NODE and OPENCLAW_ENTRY." };
    }
    const version = await run(o.node, ["--version"], undefined, signal).catch((error: Error) => error.message);
    return { name, ok: true, detail: `installed; the bridge starts "openclaw gateway run" on Node ${version.trim()} (state in ${o.stateDir})` };
  }
  const name = `OpenClaw gateway (${o.gatewayUrl})`;
  const client = new GatewayClient({ url: o.gatewayUrl, token: o.gatewayToken ?? undefined });
  const timer = new AbortController();
  const cancel = setTimeout(() => timer.abort(), timeoutMs);
  const waiting = linkedSignal([signal, timer.signal]);
  try {
    const hello = await client.ready(waiting.signal);
    return { name, ok: true, detail: `connected; OpenClaw ${hello.server.version}` };
  } catch {
    const why = client.lastError || "no answer";
    const auth = /auth|token|unauthori/i.test(why);
    return {
      name, ok: false, detail: why,
      fix: auth ? "Set OPENCLAW_GATEWAY_TOKEN to the gateway's token (gateway.auth.token in your OpenClaw config)." : "Start it (openclaw gateway run), check OPENCLAW_GATEWAY_URL, or let the bridge run its own with --openclaw managed.",
    };
  } finally {
    clearTimeout(cancel);
    waiting.dispose();
    await client.close();
  }
}

export interface ModelCheckResult extends CheckResult {
  /** The primary model's name; null when the config names none (no file, or the key unset); undefined when not known. */
  primary: string | null | undefined;
}

/** Reads the primary model from the user's OpenClaw config with OpenClaw's own CLI (it understands JSON5 and includes). */
export async function checkModel(config: BridgeConfig, env: NodeJS.ProcessEnv = process.env, signal?: AbortSignal): Promise<ModelCheckResult> {
  const o = config.openclaw;
  const name = "OpenClaw model";
  const fix = `Set a model in ${o.configPath}: agents.defaults.model.primary plus its provider (an API key such as ANTHROPIC_API_KEY / OPENAI_API_KEY, or a local OpenAI-compatible server under models.providers; see README "OpenClaw's model").`;
  if (!existsSync(o.configPath)) return { name, ok: false, detail: `no OpenClaw config at ${o.configPath}`, fix, primary: null };
  if (!existsSync(o.node) || !existsSync(o.entry)) return { name, ok: false, detail: "OpenClaw is not installed here, so its config cannot be read", fix: "Run npm install.", primary: undefined };
  const unknown = (why: string): ModelCheckResult => ({ name, ok: false, detail: `could not read the config: ${why.split("\n")[0]}`, fix, primary: undefined });
  let out: string;
  try {
    out = await run(o.node, [o.entry, "config", "get", "agents.defaults.model.primary", "--json"], { ...env, OPENCLAW_CONFIG_PATH: o.configPath }, signal);
  } catch (error) {
    // A key that is not set exits 1, saying so in JSON on stdout: {"ok":false,"error":{"message":"Config path is valid but unset: …"}}.
    const said = parsed((error as { stdout?: string }).stdout ?? "") as { error?: { message?: unknown } } | undefined;
    const message = typeof said?.error?.message === "string" ? said.error.message : (error as Error).message;
    if (/\bunset\b/i.test(message)) return { name, ok: false, detail: "agents.defaults.model.primary is not set", fix, primary: null };
    return unknown(message);
  }
  const value = parsed(out);
  if (typeof value === "string" && value) return { name, ok: true, detail: `primary model ${value}`, primary: value };
  if (value === null || value === "" || !out.trim()) return { name, ok: false, detail: "agents.defaults.model.primary is not set", fix, primary: null };
  return unknown(`unexpected answer ${out.trim()}`);
}

/** The CLI's JSON answer (its non-empty lines), or undefined when there is none. */
function parsed(out: string): unknown {
  try {
    return JSON.parse(out.trim().split("\n").filter(Boolean).join("\n")) as unknown;
  } catch {
    return undefined;
  }
}

function run(cmd: string, args: string[], env?: NodeJS.ProcessEnv, signal?: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { env, signal, timeout: 60_000, maxBuffer: 4 * 1024 * 1024 }, (error, stdout) => (error ? reject(Object.assign(error, { stdout })) : resolve(stdout)));
  });
}
