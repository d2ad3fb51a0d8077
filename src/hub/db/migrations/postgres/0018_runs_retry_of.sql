-- As SQLite's 0022: the run a retry ran again (retryOf on the owner's runs). No foreign key, so no
-- index to keep: a run and its retry are on the same task and are deleted with it.
ALTER TABLE runs ADD COLUMN retry_of TEXT COLLATE "C";
