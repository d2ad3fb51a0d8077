-- An activity id is unique again, as it was under the task-keyed index that
-- 0003 dropped: each of 0003's indexes now carries the id and refuses a second
-- row with it (the run's activity by run, the rest by task). Same order, same
-- clustering at the end of the index for the runs going on now.
DROP INDEX activity_run;
DROP INDEX activity_task;
CREATE UNIQUE INDEX activity_run ON activity (run_id, id) WHERE run_id IS NOT NULL;
CREATE UNIQUE INDEX activity_task ON activity (task_id, id) WHERE run_id IS NULL;
