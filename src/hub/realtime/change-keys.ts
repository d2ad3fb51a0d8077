/**
 * The words shared by query evaluators and the change feed: a query depends on
 * `agent:<id>`, `task:<id>`, `user:<id>`, `workspace:<id>` or `webhooks:<user id>`, and a committed
 * ChangeSet touches the same keys.
 */
import type { ChangeSet } from "../changes.ts";

export const changeKey = {
  agent: (id: string) => `agent:${id}`,
  task: (id: string) => `task:${id}`,
  user: (id: string) => `user:${id}`,
  workspace: (id: string) => `workspace:${id}`,
  /** A person's webhooks, as their list shows them. */
  webhooks: (userId: string) => `webhooks:${userId}`,
};

export function changeKeys(changes: ChangeSet): string[] {
  const keys: string[] = [];
  for (const id of changes.agents) keys.push(changeKey.agent(id));
  for (const id of changes.tasks) keys.push(changeKey.task(id));
  for (const id of changes.users) keys.push(changeKey.user(id));
  for (const id of changes.workspaces) keys.push(changeKey.workspace(id));
  for (const id of changes.webhooks) keys.push(changeKey.webhooks(id));
  return keys;
}
