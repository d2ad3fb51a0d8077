-- As SQLite's 0009: deleting a task found its activity, notifications and its
-- runs' follow-ups and notifications with no index to use (a sequential scan of
-- each table per task). The feed and the notifications lose their task_id foreign
-- key (the delete removes them itself, by run and by task: store/tasks.ts), and a
-- run's notifications and follow-ups are indexed by run.
ALTER TABLE activity DROP CONSTRAINT activity_task_id_fkey;
ALTER TABLE notifications DROP CONSTRAINT notifications_task_id_fkey;
CREATE INDEX notifications_run ON notifications (run_id) WHERE run_id IS NOT NULL;
CREATE INDEX notifications_task ON notifications (task_id) WHERE run_id IS NULL;
CREATE INDEX runs_follows ON runs (follows_run_id) WHERE follows_run_id IS NOT NULL;
-- A workspace's deletion finds its tasks, and its foreign key's cascade checks them, by index.
CREATE INDEX tasks_workspace ON tasks (workspace_id);
-- An agent's runs newest first (the Agents page, GET /agents/:id/runs, GET /runs with no status) come
-- off an index instead of a sort of all its runs (60 ms per read at 20,000 runs, re-run on each of its changes).
CREATE INDEX runs_agent ON runs (agent_id, id);
