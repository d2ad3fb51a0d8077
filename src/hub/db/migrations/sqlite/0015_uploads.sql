-- Images a person uploaded (pasted or dropped into a task), kept in the database itself so that a
-- backup holds them and hubs sharing one PostgreSQL all serve them. Each belongs to a workspace:
-- only its members may upload there, and its deletion purges them (services/purge.ts, in batches,
-- before the workspace's row goes; the cascade catches any left). `key_hash` is the SHA-256 of the
-- random half of the file's URL (/files/<id>/<key>): the URL is the capability, served without auth.
CREATE TABLE uploads (
  id           TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  key_hash     TEXT NOT NULL,
  content_type TEXT NOT NULL,
  name         TEXT,
  bytes        INTEGER NOT NULL,
  data         BLOB NOT NULL,
  created_by   TEXT NOT NULL REFERENCES users(id),
  created_at   INTEGER NOT NULL
);
CREATE INDEX uploads_workspace ON uploads (workspace_id, id);
