-- Activity is indexed by run, not by task. Keyed by task, every commit dirtied
-- one leaf of the feed index per task it touched (half the pages a commit wrote
-- under bench/lifecycle: the tails of many busy tasks lie far apart). Runs are
-- short-lived and their ids sort by time, so the activity of the runs going on
-- now sits together at the end of a run-keyed index. What happens outside any
-- run (people's comments, task edits) is indexed by task, apart and rare.
DROP INDEX activity_feed;
CREATE INDEX activity_run ON activity (run_id) WHERE run_id IS NOT NULL;
CREATE INDEX activity_task ON activity (task_id) WHERE run_id IS NULL;
