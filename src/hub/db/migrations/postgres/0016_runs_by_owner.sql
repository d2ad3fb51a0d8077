-- As SQLite's 0020: a person's runs newest first (GET /runs, the Runs page), all of them or by
-- status, off an index in its own order; runs_owner_status also counts them by status.
CREATE INDEX runs_owner ON runs (owner_id, id);
CREATE INDEX runs_owner_status ON runs (owner_id, status, id);
