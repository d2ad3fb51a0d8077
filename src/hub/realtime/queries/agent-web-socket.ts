/**
 * The `agentWebSocket` module GroupChat documents for agents:
 * - `pendingRuns {token}`: the agent's PENDING runs, oldest first, in the item
 *   shape of `GET /api/v1/agent/runs`;
 * - `stoppedRuns {token}`: its runs stopped in the last 24 hours, newest first.
 * Both depend only on `agent:<id>`: every write that changes an agent's runs
 * (or its token) names the agent in its ChangeSet. Each result is bounded (1,000
 * runs, about 1 MB of them): every change re-sends the whole list, and a backlog of
 * long prompts would otherwise send megabytes per delegate.
 */
import { Type } from "typebox";
import type { RunListItem } from "../../../sdk/types.ts";
import { listRunsForAgent, listStoppedRunsForAgent } from "../../store/runs.ts";
import { changeKey } from "../change-keys.ts";
import type { QueryRegistry } from "../registry.ts";
import { AgentTokens } from "./agent-tokens.ts";

const TokenArgs = Type.Object({ token: Type.String({ maxLength: 1024 }) }, { additionalProperties: false });
const STOPPED_WINDOW_MS = 24 * 3_600_000;
/** Bounds on one result (and so on one frame); an agent with more waiting work sees the oldest first. */
const MAX_RUNS = 1000;
const MAX_RESULT_CHARS = 1_000_000;

/**
 * The first runs that fit in `MAX_RESULT_CHARS` (always one, however long): the rest come into the list as
 * the first ones leave it. Sized by their texts plus the fixed fields, not serialized: it runs at every change.
 */
function fitting(runs: RunListItem[]): RunListItem[] {
  let chars = 0;
  for (let i = 0; i < runs.length; i++) {
    const run = runs[i]!;
    chars += 400 + run.prompt.length + run.taskTitle.length + (run.lastFollowUpMessage?.length ?? 0) + run.owner.name.length + run.agent.name.length;
    if (chars > MAX_RESULT_CHARS && i > 0) return runs.slice(0, i);
  }
  return runs;
}

export function defineAgentWebSocketQueries(registry: QueryRegistry, tokens = new AgentTokens()): QueryRegistry {
  return registry
    .onChange((changes) => (changes.everything ? tokens.forgetAll() : tokens.forget(changes.agents)))
    .define("agentWebSocket:pendingRuns", {
      args: TokenArgs,
      async evaluate({ db, identify }, { token }) {
        const agentId = await tokens.agentId(db, token);
        identify?.(changeKey.agent(agentId));
        const runs = await listRunsForAgent(db, { agentId, status: "PENDING", limit: MAX_RUNS });
        return { value: fitting(runs), keys: [changeKey.agent(agentId)] };
      },
    })
    .define("agentWebSocket:stoppedRuns", {
      args: TokenArgs,
      async evaluate({ db, now, identify }, { token }) {
        const agentId = await tokens.agentId(db, token);
        identify?.(changeKey.agent(agentId));
        const runs = fitting(await listStoppedRunsForAgent(db, agentId, now - STOPPED_WINDOW_MS, MAX_RUNS));
        // The oldest entry leaves the window by itself; no write will say so.
        const oldest = runs.at(-1)?.endedAt;
        return { value: runs, keys: [changeKey.agent(agentId)], expiresAt: oldest == null ? null : oldest + STOPPED_WINDOW_MS + 1 };
      },
    });
}
