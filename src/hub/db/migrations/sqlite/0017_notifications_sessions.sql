-- The notifications of a project deleted and not yet purged are left out of every read
-- (store/notifications.ts): while a purge runs, each unread one counted is checked by its task.
-- The unread index holds the task_id, so the count reads that index alone, as before, instead of
-- each notification's row (3 ms against 0.3 ms at 5,000 unread).
DROP INDEX notifications_unread;
CREATE INDEX notifications_unread ON notifications (user_id, read_at, id, task_id) WHERE read_at IS NULL;
