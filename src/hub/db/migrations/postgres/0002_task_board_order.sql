-- A board column is read in its own order, newest first, a page at a time:
-- To do and Doing by creation (id), Done by when a task got there (updated_at).
DROP INDEX tasks_project;
CREATE INDEX tasks_project ON tasks (project_id, status, id);
CREATE INDEX tasks_project_updated ON tasks (project_id, status, updated_at);
