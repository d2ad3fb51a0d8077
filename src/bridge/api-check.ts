/**
 * Before the bridge starts: one `GET /me` says whether GROUPCHAT_API_URL and the token are right. A wrong
 * one never mends itself (every call would fail the same way, logged on and on), so the bridge stops with
 * one line saying what to change; an API that does not answer yet may come up, so that is a warning and the
 * bridge goes on. `doctor` says the same. The judgement is pure; `checkAgentApi` does the one call.
 */
import { AgentApiClient, AgentApiError } from "../sdk/index.ts";

export type ApiCheck =
  | { readonly ok: true; readonly agentName: string; readonly ownerName: string }
  /** `final`: the configuration is wrong (stop); else the API may answer later (go on). */
  | { readonly ok: false; readonly final: boolean; readonly problem: string };

/** Where a local hub's token is, for the fix. */
const TOKEN_FIX = "copy the agent's current gca_ token into GROUPCHAT_AGENT_TOKEN (GroupChat → Profile → Agents; for a local hub, agentToken in its data dir's credentials.json)";

/** TLS certificate errors: the server is reached but not trusted, which no retry changes. */
const CERTIFICATE = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER/;

/** What a failed `GET /me` says about the configuration. */
export function judgeApiFailure(error: unknown, apiUrl: string): { final: boolean; problem: string } {
  const url = `GROUPCHAT_API_URL (${apiUrl})`;
  const agentApi = `${new URL(apiUrl).origin}/api/v1/agent`;
  if (!(error instanceof AgentApiError)) return { final: false, problem: `GET /me failed: ${(error as Error)?.message ?? String(error)}` };
  const said = error.serverMessage ? `: ${error.serverMessage}` : "";
  switch (error.code) {
    case "unauthorized":
      if (error.httpStatus !== 401) return { final: false, problem: `GET /me was refused (HTTP ${error.httpStatus}${said})` };
      // Our hub names the API a token is for when it reaches the other one (/api/v1 instead of /api/v1/agent).
      if (/\/api\/v1\/agent\b/.test(error.serverMessage ?? "")) return { final: true, problem: `${url} is not the Agent API${said}. Use ${agentApi}.` };
      return { final: true, problem: `GroupChat refused the agent token (HTTP 401${said}): ${TOKEN_FIX}.` };
    case "not_found":
      return { final: true, problem: `${url} is not GroupChat's Agent API: GET /me answered HTTP ${error.httpStatus}${said}. It is the URL ending in /api/v1/agent, e.g. ${agentApi}.` };
    case "bad_request":
    case "invalid_response":
      // A redirect (the client follows none: its message says where to point instead), or a page that is not the API's.
      return { final: true, problem: `${url} is not GroupChat's Agent API: ${error.message}. It is the URL ending in /api/v1/agent, e.g. ${agentApi}.` };
    case "network": {
      const inner = error.cause instanceof Error ? (error.cause.cause as { code?: unknown } | undefined) : undefined;
      const code = typeof inner?.code === "string" ? inner.code : "";
      if (code === "ERR_SSL_WRONG_VERSION_NUMBER" && apiUrl.startsWith("https:")) {
        return { final: true, problem: `${url} says https://, but ${new URL(apiUrl).host} speaks plain HTTP: use ${apiUrl.replace(/^https:/, "http:")}.` };
      }
      if (CERTIFICATE.test(code)) {
        return { final: true, problem: `${url}: the server's TLS certificate is not trusted (${code}). Give Node its CA with NODE_EXTRA_CA_CERTS=/path/to/ca.pem, or use its trusted address.` };
      }
      const https = apiUrl.startsWith("http:") && code === "UND_ERR_SOCKET" ? " If it serves HTTPS, use https://." : "";
      return { final: false, problem: `${url} does not answer: ${error.message}.${https} Is GroupChat (the hub) running and reachable from here?` };
    }
    default:
      return { final: false, problem: `${url} could not answer GET /me: ${error.message}` };
  }
}

/** One `GET /me`, no retries: what the bridge's start and `doctor` make of the API URL and token. */
export async function checkAgentApi(
  config: { agentToken: string; apiUrl: string },
  options: { fetch?: typeof fetch; timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<ApiCheck> {
  const client = new AgentApiClient({
    token: config.agentToken, apiUrl: config.apiUrl, fetch: options.fetch, timeoutMs: options.timeoutMs ?? 10_000, retry: { maxAttempts: 1 },
  });
  try {
    const me = await client.me({ signal: options.signal });
    return { ok: true, agentName: me.name, ownerName: me.ownerName };
  } catch (error) {
    return { ok: false, ...judgeApiFailure(error, config.apiUrl) };
  }
}
