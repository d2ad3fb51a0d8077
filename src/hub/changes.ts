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
  /** Agents whose token was rotated or who were deleted: cached credentials must go. */
  readonly credentials: Set<string>;
}

export function emptyChangeSet(): ChangeSet {
  return { agents: new Set(), tasks: new Set(), users: new Set(), workspaces: new Set(), credentials: new Set() };
}

export function isEmpty(changes: ChangeSet): boolean {
  const { agents, tasks, users, workspaces, credentials } = changes;
  return agents.size + tasks.size + users.size + workspaces.size + credentials.size === 0;
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
