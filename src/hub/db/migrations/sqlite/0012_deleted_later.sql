-- Deleting a project or workspace used to remove its tasks, runs, feeds and notifications in
-- the deleting transaction: seconds for tens of thousands of tasks, every other write waiting
-- on the one writer meanwhile. Now the deletion only marks the row (deleted_at) in one short
-- write; every read leaves what is marked out, and the hub's purger (src/hub/purger.ts) removes
-- its rows afterwards in small batches, each a transaction of its own, and then the row itself.
--
-- A column, not a table of tombstones: the row has to outlive its tasks anyway (their foreign
-- keys point at it), the deletion has it locked already, and the reads that check a project by
-- id read that row. The partial indexes hold only the marked rows: the filter that run and task
-- lists add (`t.project_id NOT IN (... deleted ...)`) reads one that is empty but while a purge
-- runs, and they are the purger's queue. A workspace's projects are marked with it, so the lists
-- need the one filter; its members and invites go at once (a few rows), which hides it from
-- every member's reads.
ALTER TABLE projects ADD COLUMN deleted_at INTEGER;
ALTER TABLE workspaces ADD COLUMN deleted_at INTEGER;
CREATE INDEX projects_deleted ON projects (id) WHERE deleted_at IS NOT NULL;
CREATE INDEX workspaces_deleted ON workspaces (id) WHERE deleted_at IS NOT NULL;
-- A workspace's open invites are listed (newest first) and its deletion removes them by workspace:
-- an index, where both read every invite of the hub.
CREATE INDEX invites_workspace ON invites (workspace_id, id);
