-- Who a workspace's creator removed: only its creator (whoever it is then) lets them back in, by adding them or
-- by an invite link of theirs; another member's link or add is refused. Leaving by oneself leaves no row, and
-- being let back in deletes it. Few rows: one per person removed. Removals from before this version left none.
CREATE TABLE workspace_removals (
  workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  user_id      TEXT NOT NULL REFERENCES users(id),
  removed_by   TEXT NOT NULL REFERENCES users(id),
  removed_at   INTEGER NOT NULL,
  PRIMARY KEY (workspace_id, user_id)
);
