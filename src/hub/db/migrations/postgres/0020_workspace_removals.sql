-- As SQLite's 0024: who a workspace's creator removed, whom only its creator (whoever it is then) lets back in.
CREATE TABLE workspace_removals (
  workspace_id TEXT COLLATE "C" NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  user_id      TEXT COLLATE "C" NOT NULL REFERENCES users(id),
  removed_by   TEXT COLLATE "C" NOT NULL REFERENCES users(id),
  removed_at   BIGINT NOT NULL,
  PRIMARY KEY (workspace_id, user_id)
);
