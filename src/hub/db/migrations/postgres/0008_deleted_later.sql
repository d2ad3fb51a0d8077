-- As SQLite's 0012: a project or workspace deleted is marked (deleted_at) in one short write and
-- vanishes from every read; the purger removes its rows afterwards in batches (src/hub/purger.ts).
-- The deleting transaction no longer holds row locks on every task of it for seconds. A column
-- rather than a tombstone table: the row outlives its tasks anyway (their foreign keys), and
-- the partial indexes of the marked rows are both the read filter's and the purger's queue.
ALTER TABLE projects ADD COLUMN deleted_at BIGINT;
ALTER TABLE workspaces ADD COLUMN deleted_at BIGINT;
CREATE INDEX projects_deleted ON projects (id) WHERE deleted_at IS NOT NULL;
CREATE INDEX workspaces_deleted ON workspaces (id) WHERE deleted_at IS NOT NULL;
CREATE INDEX invites_workspace ON invites (workspace_id, id);
