-- One-time links that let a person into a workspace: a new account, or one they
-- are signed in with. Only the code's SHA-256 is kept; joining deletes the row.
CREATE TABLE invites (
  id           TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  code_hash    TEXT NOT NULL UNIQUE,
  created_by   TEXT NOT NULL REFERENCES users(id),
  created_at   INTEGER NOT NULL,
  expires_at   INTEGER NOT NULL
);
CREATE INDEX invites_expiry ON invites (expires_at);
