import { newId } from "../domain/ids.ts";
import { hashToken, newToken } from "../domain/tokens.ts";
import { foldName } from "../domain/mentions.ts";
import { conflict, notFound } from "../errors.ts";
import type { UserPrincipal } from "../principal.ts";
import { agentNamesOf, findAgent, insertAgent, markAgentDeleted, setAgentTokenHash, type AgentRow } from "../store/agents.ts";
import { insertUser } from "../store/users.ts";
import { stopRunsOfDeletedAgent } from "./runs.ts";
import type { Write } from "../write.ts";
import { requiredText } from "./required-text.ts";

export interface AgentView {
  id: string;
  name: string;
  description: string;
  agentUserId: string;
  createdAt: number;
}

export const toAgentView = (a: AgentRow): AgentView => ({
  id: a.id, name: a.name, description: a.description, agentUserId: a.user_id, createdAt: a.created_at,
});

/** Creates an agent with its own user identity; the token is returned this once only. */
export async function createAgent(
  w: Write,
  user: UserPrincipal,
  input: { name: string; description?: string | undefined },
): Promise<AgentView & { token: string }> {
  const name = requiredText(input.name, "name");
  // Unique per creator, so an @mention names exactly one agent. Another agent of theirs being made at the same
  // time (PostgreSQL) waits on the creator's row, then its name is seen here.
  await w.sql.lock("users", user.userId);
  const folded = foldName(name);
  if ((await agentNamesOf(w.sql, user.userId)).some((taken) => foldName(taken) === folded)) {
    throw conflict(`You already have an agent named "${name}"`);
  }
  const token = newToken("agent");
  const userId = newId("usr", w.now);
  await insertUser(w.sql, { id: userId, name, kind: "agent", created_at: w.now });
  const row: AgentRow = {
    id: newId("agt", w.now), user_id: userId, creator_id: user.userId, name,
    description: (input.description ?? "").trim(), token_hash: hashToken(token), created_at: w.now, deleted_at: null,
  };
  await insertAgent(w.sql, row);
  // The creator's live agent list (owner:agents) depends on user:<creator>.
  w.changes.users.add(user.userId);
  return Object.assign(toAgentView(row), { token });
}

/** The caller's agent, its row locked first: a rotation, a deletion and a delegation at the same time (PostgreSQL) take turns. */
async function ownAgent(w: Write, user: UserPrincipal, agentId: string) {
  await w.sql.lock("agents", agentId);
  const agent = await findAgent(w.sql, agentId);
  if (!agent || agent.creator_id !== user.userId) throw notFound("Agent");
  return agent;
}

/** A new token; the old one stops working the moment this commits. A deleted agent gets none (404), even one deleted meanwhile. */
export async function rotateAgentToken(w: Write, user: UserPrincipal, agentId: string): Promise<{ token: string }> {
  const agent = await ownAgent(w, user, agentId);
  const token = newToken("agent");
  await setAgentTokenHash(w.sql, agent.id, hashToken(token));
  w.changes.agents.add(agent.id);
  w.changes.credentials.add(agent.id);
  return { token };
}

/** Deletes the agent: its token stops working, and the runs it had going are stopped. */
export async function deleteAgent(w: Write, user: UserPrincipal, agentId: string): Promise<void> {
  // A delegation to it at the same time (PostgreSQL) waits, then finds it deleted; or commits first, and its run is stopped here.
  const agent = await ownAgent(w, user, agentId);
  await stopRunsOfDeletedAgent(w, user, agent.id, agent.name);
  await markAgentDeleted(w.sql, agent.id, w.now);
  w.changes.agents.add(agent.id);
  w.changes.credentials.add(agent.id);
}
