-- Deleting a task looked its activity and notifications up by task_id with no
-- index to use (the feed is indexed by run, 0003), and its runs' notifications and
-- follow-ups likewise: a full scan of each table per task, every write waiting
-- meanwhile (bench/delete: 13× slower on a 10× longer history). Now:
-- - activity and notifications lose their task_id foreign key: the delete removes
--   them itself, by run and by task, through partial indexes (store/deletion.ts);
--   a task-keyed index would scatter every commit's writes again (0003);
-- - a run's notifications and follow-ups are indexed by run, so the checks that
--   guard a run's deletion use an index too.
-- Both tables are copied whole (SQLite drops a constraint only so): once, at the
-- first start of this version (15 s for a million feed rows and half a million
-- notifications, on a loaded 2-core machine).
CREATE TABLE activity_next (
  seq         INTEGER PRIMARY KEY,
  id          TEXT NOT NULL,
  task_id     TEXT NOT NULL,
  run_id      TEXT REFERENCES runs(id),
  type        TEXT NOT NULL CHECK (type IN ('comment', 'status_change')),
  subject     TEXT CHECK (subject IN ('run', 'task')),
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

CREATE TABLE notifications_next (
  id          TEXT PRIMARY KEY,
  user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  type        TEXT NOT NULL,
  task_id     TEXT,
  run_id      TEXT REFERENCES runs(id),
  actor_id    TEXT REFERENCES users(id),
  body        TEXT NOT NULL,
  created_at  INTEGER NOT NULL,
  read_at     INTEGER
) WITHOUT ROWID;
INSERT INTO notifications_next SELECT id, user_id, type, task_id, run_id, actor_id, body, created_at, read_at FROM notifications;
DROP TABLE notifications;
ALTER TABLE notifications_next RENAME TO notifications;
CREATE INDEX notifications_user ON notifications (user_id, read_at, id);
CREATE INDEX notifications_run ON notifications (run_id) WHERE run_id IS NOT NULL;
CREATE INDEX notifications_task ON notifications (task_id) WHERE run_id IS NULL;

CREATE INDEX runs_follows ON runs (follows_run_id) WHERE follows_run_id IS NOT NULL;
-- A workspace's deletion finds its tasks, and its foreign key's cascade checks them, by index.
CREATE INDEX tasks_workspace ON tasks (workspace_id);
-- An agent's runs newest first (the Agents page, GET /agents/:id/runs, GET /runs with no status) come
-- off an index instead of a sort of all its runs (60 ms per read at 20,000 runs, re-run on each of its changes).
CREATE INDEX runs_agent ON runs (agent_id, id);
