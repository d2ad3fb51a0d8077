-- As SQLite's 0019: a task's feed records a change of its owner (subject 'owner'). Widening the
-- CHECK reads no row (NOT VALID: every row there passes the old, narrower one).
ALTER TABLE activity DROP CONSTRAINT activity_subject_check;
ALTER TABLE activity ADD CONSTRAINT activity_subject_check CHECK (subject IN ('run', 'task', 'owner')) NOT VALID;
-- A notification about a workspace rather than one task (tasks_handed_over), found by index when
-- the workspace is deleted or its creator leaves it.
ALTER TABLE notifications ADD COLUMN workspace_id TEXT COLLATE "C";
CREATE INDEX notifications_workspace ON notifications (workspace_id) WHERE workspace_id IS NOT NULL;
