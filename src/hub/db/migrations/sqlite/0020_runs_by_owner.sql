-- A person's runs across their agents and workspaces, newest first (GET /runs, the Runs page):
-- all of them off runs_owner, one status's off runs_owner_status (which also counts them by
-- status), in the index's own order instead of a sort of their whole history. A run's owner is
-- its agent's creator (only they delegate to it or send it a follow-up).
CREATE INDEX runs_owner ON runs (owner_id, id);
CREATE INDEX runs_owner_status ON runs (owner_id, status, id);
