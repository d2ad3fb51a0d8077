-- As SQLite's 0012: each run carries whether its task is done (set by insertRun, kept by the
-- trigger below), so an agent's open tasks are a range of runs_agent_task of their own; a
-- workspace's tasks are by id, so a person's task list merges one range per workspace.
ALTER TABLE runs ADD COLUMN task_done BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE runs r SET task_done = TRUE FROM tasks t WHERE t.id = r.task_id AND t.status = 'done';
CREATE INDEX runs_agent_task ON runs (agent_id, task_done, task_id, id);
-- search_path of the migration: the tables of this hub's schema, whoever updates the task.
CREATE FUNCTION tasks_done() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
  UPDATE runs SET task_done = (NEW.status = 'done') WHERE task_id = NEW.id;
  RETURN NULL;
END $$;
CREATE TRIGGER tasks_done AFTER UPDATE OF status ON tasks FOR EACH ROW
  WHEN ((OLD.status = 'done') IS DISTINCT FROM (NEW.status = 'done')) EXECUTE FUNCTION tasks_done();
DROP INDEX tasks_workspace;
CREATE INDEX tasks_workspace ON tasks (workspace_id, id);
