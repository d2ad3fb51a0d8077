-- A task's running cost total: the total of the last turn that reported a cost,
-- in the order the costs came in. Turns of two agents on one task can end out of
-- the order they were created in; a total read off the latest-created turn then
-- left out a turn that ended after a later one.
ALTER TABLE tasks ADD COLUMN cost_total_usd REAL;
UPDATE tasks SET cost_total_usd = (
  SELECT r.total_cost_usd FROM runs r
  WHERE r.task_id = tasks.id AND r.total_cost_usd IS NOT NULL
  ORDER BY r.ended_at DESC, r.id DESC LIMIT 1
);
