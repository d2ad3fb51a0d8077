-- As SQLite's 0015: uploaded images, their bytes in the database, each in a workspace.
CREATE TABLE uploads (
  id           TEXT COLLATE "C" PRIMARY KEY,
  workspace_id TEXT COLLATE "C" NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  key_hash     TEXT NOT NULL,
  content_type TEXT NOT NULL,
  name         TEXT,
  bytes        INTEGER NOT NULL,
  data         BYTEA NOT NULL,
  created_by   TEXT COLLATE "C" NOT NULL REFERENCES users(id),
  created_at   BIGINT NOT NULL
);
CREATE INDEX uploads_workspace ON uploads (workspace_id, id);
