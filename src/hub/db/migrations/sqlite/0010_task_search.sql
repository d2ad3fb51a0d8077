-- Task search (GET /tasks?q=, the board's q): which tasks' title or description contain a text.
-- A trigram index finds them without reading every task: FTS5 over the tasks table itself
-- (external content, keyed by its rowid: nothing copied), case folded across Unicode, no
-- diacritics removed. The triggers keep it in step; a status move touches neither column.
CREATE VIRTUAL TABLE tasks_search USING fts5(
  title, description, content = 'tasks', content_rowid = 'rowid', tokenize = 'trigram'
);
INSERT INTO tasks_search (tasks_search) VALUES ('rebuild');

CREATE TRIGGER tasks_search_insert AFTER INSERT ON tasks BEGIN
  INSERT INTO tasks_search (rowid, title, description) VALUES (new.rowid, new.title, new.description);
END;
CREATE TRIGGER tasks_search_delete AFTER DELETE ON tasks BEGIN
  INSERT INTO tasks_search (tasks_search, rowid, title, description) VALUES ('delete', old.rowid, old.title, old.description);
END;
CREATE TRIGGER tasks_search_update AFTER UPDATE OF title, description ON tasks BEGIN
  INSERT INTO tasks_search (tasks_search, rowid, title, description) VALUES ('delete', old.rowid, old.title, old.description);
  INSERT INTO tasks_search (rowid, title, description) VALUES (new.rowid, new.title, new.description);
END;
