/**
 * First-run setup of a data directory: an owner, a workspace, a project
 * "General" and an agent "OpenClaw Bot", with the credentials written once to
 * DIR/credentials.json (mode 0600).
 */
import { existsSync, readFileSync, writeFileSync, chmodSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { userInfo } from "node:os";
import { notFound } from "./errors.ts";
import { createAgent } from "./services/agents.ts";
import { createUser } from "./services/users.ts";
import { createProject, createWorkspace } from "./services/workspaces.ts";
import { addMember } from "./store/workspaces.ts";
import type { Write } from "./write.ts";
import type { Writer } from "./writer/writer.ts";

export interface Credentials {
  ownerToken: string;
  ownerId: string;
  agentToken: string;
  agentId: string;
  workspaceId: string;
  projectId: string;
}

export const credentialsFile = (dataDir: string) => join(dataDir, "credentials.json");

export function readCredentials(dataDir: string): Credentials | null {
  const file = credentialsFile(dataDir);
  return existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as Credentials) : null;
}

export async function initialize(deps: { writer: Writer }, dataDir: string, ownerName?: string): Promise<Credentials> {
  const existing = readCredentials(dataDir);
  if (existing) return existing;
  const credentials = await deps.writer.run("setUp", { ownerName: ownerName ?? safeUserName() });
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(credentialsFile(dataDir), JSON.stringify(credentials, null, 2) + "\n", { mode: 0o600 });
  chmodSync(credentialsFile(dataDir), 0o600);
  return credentials;
}

/** The first owner, their workspace, a project "General" and an agent "OpenClaw Bot", in one write. */
export async function setUp(w: Write, name: string): Promise<Credentials> {
  const { userId, ownerToken } = await createUser(w, name);
  const owner = { kind: "user" as const, userId, name };
  const workspace = await createWorkspace(w, owner, `${name}'s workspace`);
  const project = await createProject(w, owner, workspace.id, { name: "General" });
  const agent = await createAgent(w, owner, { name: "OpenClaw Bot", description: "An OpenClaw agent connected through the bridge" });
  await w.sql.run("INSERT INTO settings (key, value) VALUES ('default_workspace_id', ?)", [workspace.id]);
  return { ownerToken, ownerId: userId, agentToken: agent.token, agentId: agent.id, workspaceId: workspace.id, projectId: project.id };
}

/** Adds a person; they join the hub's first workspace so they can work alongside its owner. */
export async function addUser(w: Write, name: string): Promise<{ userId: string; ownerToken: string }> {
  const created = await createUser(w, name);
  const row = await w.sql.get<{ value: string }>("SELECT value FROM settings WHERE key = 'default_workspace_id'");
  if (!row) throw notFound("Hub data (run `hub init` first)");
  await addMember(w.sql, row.value, created.userId, w.now);
  return created;
}

function safeUserName(): string {
  try {
    return userInfo().username || "Owner";
  } catch {
    return "Owner";
  }
}
