-- As SQLite's 0020: a person's runs newest first (GET /runs, the Runs page), one range of this
-- index per status, merged; it also counts them by status.
CREATE INDEX runs_owner_status ON runs (owner_id, status, id);
