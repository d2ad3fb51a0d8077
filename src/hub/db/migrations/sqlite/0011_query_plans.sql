-- Every statement the hub repeats reads an index in its own order (test/db/query-plans.test.ts;
-- bench:query-plans, on 50,000 tasks, 100,000 runs and 500,000 notifications):
-- - a person's notifications newest first (the Notifications page's live query, re-run on each
--   new one) sorted all of them: notifications_user had read_at between the person and the id
--   (464 ms per read at 500,000). Now one index by person and id, and a partial one of the
--   unread only, for the unread list, its count and "mark all read". A notification's insert
--   writes one entry more while it is unread; marking it read removes one instead of moving it.
-- - the board's Done column sorted the tasks that got there in the same millisecond by id:
--   the id is now the index's last column (same number of indexes).
DROP INDEX notifications_user;
CREATE INDEX notifications_user ON notifications (user_id, id);
-- read_at (always NULL here, a byte per entry) lets the unread count read the index alone.
CREATE INDEX notifications_unread ON notifications (user_id, read_at, id) WHERE read_at IS NULL;
DROP INDEX tasks_project_updated;
CREATE INDEX tasks_project_updated ON tasks (project_id, status, updated_at, id);
