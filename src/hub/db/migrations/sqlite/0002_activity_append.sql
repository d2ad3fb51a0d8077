-- Activity becomes an append-only rowid table with the feed order in an index.
-- Keyed by (task_id, id), every commit dirtied (and split mid-tree) one leaf of
-- the table per task it touched, whole rows and all; now the rows go to the
-- right edge, shared by every task, and only the small index entries scatter.
-- That halves the pages a commit writes to the WAL (bench/lifecycle).
CREATE TABLE activity_next (
  seq         INTEGER PRIMARY KEY,
  id          TEXT NOT NULL,
  task_id     TEXT NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
  run_id      TEXT REFERENCES runs(id),
  type        TEXT NOT NULL CHECK (type IN ('comment', 'status_change')),
  subject     TEXT CHECK (subject IN ('run', 'task')),
  author_id   TEXT NOT NULL REFERENCES users(id),
  body        TEXT NOT NULL,
  from_status TEXT,
  to_status   TEXT,
  created_at  INTEGER NOT NULL
);
INSERT INTO activity_next (id, task_id, run_id, type, subject, author_id, body, from_status, to_status, created_at)
  SELECT id, task_id, run_id, type, subject, author_id, body, from_status, to_status, created_at FROM activity ORDER BY id;
DROP TABLE activity;
ALTER TABLE activity_next RENAME TO activity;
CREATE UNIQUE INDEX activity_feed ON activity (task_id, id);
