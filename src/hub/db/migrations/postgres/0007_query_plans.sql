-- As SQLite's 0011: a person's notifications by person and id, and the unread ones in a
-- partial index of their own. PostgreSQL read an unread page past the first by walking
-- every notification newest first (185 ms at 500,000, bench:query-plans); a person's list
-- walked everyone's. The board's Done column ends its index with the id, as it sorts.
DROP INDEX notifications_user;
CREATE INDEX notifications_user ON notifications (user_id, id);
CREATE INDEX notifications_unread ON notifications (user_id, id) WHERE read_at IS NULL;
DROP INDEX tasks_project_updated;
CREATE INDEX tasks_project_updated ON tasks (project_id, status, updated_at, id);
