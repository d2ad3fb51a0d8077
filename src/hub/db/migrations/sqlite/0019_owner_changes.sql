-- A task's feed records a change of its owner (a status_change whose subject is 'owner', its
-- from_status and to_status the two people's names): the tasks a person owned as they left a
-- workspace go to its creator, and each task's page says why. SQLite widens a CHECK only by
-- copying the table, as 0009 did: once, at the first start of this version (about 15 s for a
-- million feed rows on a loaded 2-core machine).
CREATE TABLE activity_next (
  seq         INTEGER PRIMARY KEY,
  id          TEXT NOT NULL,
  task_id     TEXT NOT NULL,
  run_id      TEXT REFERENCES runs(id),
  type        TEXT NOT NULL CHECK (type IN ('comment', 'status_change')),
  subject     TEXT CHECK (subject IN ('run', 'task', 'owner')),
  author_id   TEXT NOT NULL REFERENCES users(id),
  body        TEXT NOT NULL,
  from_status TEXT,
  to_status   TEXT,
  created_at  INTEGER NOT NULL
);
INSERT INTO activity_next (seq, id, task_id, run_id, type, subject, author_id, body, from_status, to_status, created_at)
  SELECT seq, id, task_id, run_id, type, subject, author_id, body, from_status, to_status, created_at FROM activity ORDER BY seq;
DROP TABLE activity;
ALTER TABLE activity_next RENAME TO activity;
CREATE UNIQUE INDEX activity_run ON activity (run_id, id) WHERE run_id IS NOT NULL;
CREATE UNIQUE INDEX activity_task ON activity (task_id, id) WHERE run_id IS NULL;
-- A notification about a workspace rather than one task (tasks_handed_over: someone left it, and
-- the tasks they owned there are its creator's now). Few: one per person leaving. The index finds
-- them when the workspace is deleted, or its creator leaves it after handing it on.
ALTER TABLE notifications ADD COLUMN workspace_id TEXT;
CREATE INDEX notifications_workspace ON notifications (workspace_id) WHERE workspace_id IS NOT NULL;
