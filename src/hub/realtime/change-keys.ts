/**
 * The words shared by query evaluators and the change feed: a query depends on
 * `agent:<id>`, `task:<id>`, `user:<id>` or `workspace:<id>`, and a committed
 * ChangeSet touches the same keys.
 */
import type { ChangeSet } from "../changes.ts";

export const changeKey = {
  agent: (id: string) => `agent:${id}`,
  task: (id: string) => `task:${id}`,
  user: (id: string) => `user:${id}`,
  workspace: (id: string) => `workspace:${id}`,
};

export function changeKeys(changes: ChangeSet): string[] {
  const keys: string[] = [];
  for (const id of changes.agents) keys.push(changeKey.agent(id));
  for (const id of changes.tasks) keys.push(changeKey.task(id));
  for (const id of changes.users) keys.push(changeKey.user(id));
  for (const id of changes.workspaces) keys.push(changeKey.workspace(id));
  return keys;
}
