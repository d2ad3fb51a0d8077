/**
 * First-run setup of a data directory: an owner, a workspace, a project
 * "General" and an agent "OpenClaw Bot", with the credentials written once to
 * DIR/credentials.json (mode 0600).
 */
import { existsSync, readFileSync, writeFileSync, chmodSync } from "node:fs";
import { join } from "node:path";
import { userInfo } from "node:os";
import { UniqueViolation } from "./db/port.ts";
import { HubStartError, notFound } from "./errors.ts";
import { makeDir } from "./make-dir.ts";
import { createAgent } from "./services/agents.ts";
import { createUser } from "./services/users.ts";
import { createProject, createWorkspace } from "./services/workspaces.ts";
import { addMember, findWorkspace } from "./store/workspaces.ts";
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

const FIELDS = ["ownerToken", "ownerId", "agentToken", "agentId", "workspaceId", "projectId"] as const;

/** The data dir's credentials, null before setup; a damaged file stops the hub with a clear error. */
/**
 * For the one-shot commands that act on a serving hub's data (`hub login`, `hub user add`): a dir that was never set
 * up is most likely a typo, and setting it up would print a link or token for a hub no one serves.
 */
export function requireSetUp(dataDir: string): void {
  if (readCredentials(dataDir) === null) {
    throw new HubStartError(`${dataDir} is not a hub's data dir (no credentials.json). Pass --data the dir the hub serves (it says so when it starts), or run hub init --data ${dataDir} to set one up.`);
  }
}

export function readCredentials(dataDir: string): Credentials | null {
  const file = credentialsFile(dataDir);
  if (!existsSync(file)) return null;
  // Setting up again would make a second owner: the tokens exist only here (the database keeps their hashes).
  const restore = "Restore it from a backup: it holds the owner's and the agent's tokens, which the hub keeps only as hashes.";
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new HubStartError(`${file} is not valid JSON (${(error as Error).message}). ${restore}`, { cause: error });
  }
  const missing = FIELDS.filter((field) => typeof (parsed as Record<string, unknown> | null)?.[field] !== "string");
  if (missing.length > 0) throw new HubStartError(`${file} lacks ${missing.join(", ")}. ${restore}`);
  return parsed as Credentials;
}

export async function initialize(deps: { writer: Writer }, dataDir: string, ownerName?: string): Promise<Credentials> {
  const existing = readCredentials(dataDir);
  if (existing) return existing;
  // Before the setup's write: on a shared PostgreSQL database, tokens written nowhere would lock everyone out.
  makeDir(dataDir, "the data dir", "--data");
  let credentials: Credentials;
  try {
    credentials = await deps.writer.run("setUp", { ownerName: ownerName ?? safeUserName() });
  } catch (error) {
    // The database was set up before (a PostgreSQL database another hub shares): the tokens are in that hub's data dir.
    if (!(error instanceof UniqueViolation)) throw error;
    throw new HubStartError(
      `The database is already set up, but ${credentialsFile(dataDir)} is missing. Copy credentials.json from the data dir of the hub that set it up (it holds the owner's and the agent's tokens).`,
      { cause: error },
    );
  }
  writeFileSync(credentialsFile(dataDir), JSON.stringify(credentials, null, 2) + "\n", { mode: 0o600 });
  chmodSync(credentialsFile(dataDir), 0o600);
  return credentials;
}

/** The first owner, their workspace, a project "General" and an agent "OpenClaw Bot", in one write. */
export async function setUp(w: Write, name: string): Promise<Credentials> {
  const { userId, ownerToken } = await createUser(w, name, "Created by hub init");
  const owner = { kind: "user" as const, userId, name };
  const workspace = await createWorkspace(w, owner, `${name}'s workspace`);
  const project = await createProject(w, owner, workspace.id, { name: "General" });
  const agent = await createAgent(w, owner, { name: "OpenClaw Bot", description: "An OpenClaw agent connected through the bridge" });
  await w.sql.run("INSERT INTO settings (key, value) VALUES ('default_workspace_id', ?)", [workspace.id]);
  return { ownerToken, ownerId: userId, agentToken: agent.token, agentId: agent.id, workspaceId: workspace.id, projectId: project.id };
}

/**
 * Adds a person; they join the hub's first workspace so they can work alongside its owner. That
 * workspace deleted (its creator's to do), they join none (`workspaceId` null): someone invites them.
 */
export async function addUser(w: Write, name: string): Promise<{ userId: string; ownerToken: string; workspaceId: string | null }> {
  const row = await w.sql.get<{ value: string }>("SELECT value FROM settings WHERE key = 'default_workspace_id'");
  if (!row) throw notFound("Hub data (run `hub init` first)");
  const created = await createUser(w, name, "Created by hub user add");
  // A deletion at the same moment (a serving hub on PostgreSQL) commits first and is seen here, or waits for this.
  await w.sql.lock("workspace_contents", row.value);
  if (!(await findWorkspace(w.sql, row.value))) return { ...created, workspaceId: null };
  await addMember(w.sql, row.value, created.userId, w.now);
  w.changes.workspaces.add(row.value);
  w.changes.users.add(created.userId);
  return { ...created, workspaceId: row.value };
}

function safeUserName(): string {
  try {
    return userInfo().username || "Owner";
  } catch {
    return "Owner";
  }
}
