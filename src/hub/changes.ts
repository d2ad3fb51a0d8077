/**
 * What a committed write touched, published after the commit so that real-time
 * subscribers re-evaluate only what can have changed, and never see uncommitted data.
 */
export interface ChangeSet {
  /** Agents whose runs changed (their pendingRuns / stoppedRuns may differ). */
  readonly agents: Set<string>;
  /** Tasks whose row, runs or activity changed. */
  readonly tasks: Set<string>;
  /** Users whose notifications changed. */
  readonly users: Set<string>;
  /** Workspaces whose projects or task lists changed. */
  readonly workspaces: Set<string>;
  /**
   * People whose webhooks changed as their list shows them (added, deleted, an attempt recorded, turned off or on):
   * apart from `users`, so the dispatcher's frequent writes re-run only that person's webhook list, and do not wake it.
   */
  readonly webhooks: Set<string>;
  /**
   * Agents whose token was rotated or who were deleted, and revoked personal access
   * tokens (by their tok_ id): cached credentials must go.
   */
  readonly credentials: Set<string>;
  /**
   * Anything may have changed (another hub's changes could not be heard for a
   * while): every subscription re-runs and every cached credential goes.
   */
  readonly everything?: boolean;
}

export function emptyChangeSet(): ChangeSet {
  return { agents: new Set(), tasks: new Set(), users: new Set(), workspaces: new Set(), credentials: new Set(), webhooks: new Set() };
}

export function isEmpty(changes: ChangeSet): boolean {
  const { agents, tasks, users, workspaces, credentials, webhooks } = changes;
  return !changes.everything && agents.size + tasks.size + users.size + workspaces.size + credentials.size + webhooks.size === 0;
}

/** The change set that says anything may have changed. */
export function everythingChanged(): ChangeSet {
  return { ...emptyChangeSet(), everything: true };
}

/** "*": anything may have changed. */
const EVERYTHING = "*";

// Our ids are [a-z0-9_], so "|" between the sets and "," between ids is enough;
// should one ever hold either, the sets go as JSON ("[" cannot start the other form).
// A set added later goes last: a hub that knows fewer sets reads the ones it knows, and one that
// knows more reads an absent set as empty (hubs of two versions can share one database a while).
export function encodeChanges(changes: ChangeSet): string {
  if (changes.everything) return EVERYTHING;
  if (isEmpty(changes)) return "";
  const sets = [changes.agents, changes.tasks, changes.users, changes.workspaces, changes.credentials, changes.webhooks].map((set) => [...set]);
  if (sets.some((ids) => ids.some((id) => /[|,[]/.test(id)))) return JSON.stringify(sets);
  return sets.map((ids) => ids.join(",")).join("|");
}

export function decodeChanges(text: string): ChangeSet {
  if (text === "") return emptyChangeSet();
  if (text === EVERYTHING) return everythingChanged();
  const sets = text.startsWith("[") ? (JSON.parse(text) as string[][]) : text.split("|").map((part) => (part === "" ? [] : part.split(",")));
  const [agents, tasks, users, workspaces, credentials, webhooks] = sets.map((ids) => new Set(ids));
  return { agents: agents!, tasks: tasks!, users: users!, workspaces: workspaces!, credentials: credentials!, webhooks: webhooks ?? new Set() };
}

export type ChangeListener = (changes: ChangeSet) => void;

export class ChangeFeed {
  private readonly listeners = new Set<ChangeListener>();

  subscribe(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  publish(changes: ChangeSet): void {
    if (isEmpty(changes)) return;
    for (const listener of this.listeners) listener(changes);
  }
}
