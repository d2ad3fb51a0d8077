-- The task lists read an index in its own order (test/db/query-plans.test.ts; bench:query-plans):
-- - an agent's tasks (GET /agent/tasks, newest first, open ones unless asked) gathered the ids of
--   all its runs' tasks first: 26 ms at 25,000, growing with its runs. Each run now carries
--   whether its task is done, kept by the trigger below (and set by insertRun), and one index
--   holds an agent's runs by that flag and task: its open tasks are a range of their own,
--   as long as the work it has going on, not its history. A run's insert writes one entry
--   more; a task going to or from done rewrites its runs' flag (a task has a few).
-- - a person's tasks over their workspaces (GET /tasks) sorted all they matched (21–62 ms at
--   50,000): a workspace's tasks are now by id (tasks_workspace was by rowid), and the list
--   merges one range per workspace, project or status (store/task-lists.ts). Same number of indexes.
ALTER TABLE runs ADD COLUMN task_done INTEGER NOT NULL DEFAULT 0;
UPDATE runs SET task_done = 1 WHERE task_id IN (SELECT id FROM tasks WHERE status = 'done');
CREATE INDEX runs_agent_task ON runs (agent_id, task_done, task_id);
CREATE TRIGGER tasks_done AFTER UPDATE OF status ON tasks WHEN (old.status = 'done') <> (new.status = 'done') BEGIN
  UPDATE runs SET task_done = (new.status = 'done') WHERE task_id = new.id;
END;
DROP INDEX tasks_workspace;
CREATE INDEX tasks_workspace ON tasks (workspace_id, id);
