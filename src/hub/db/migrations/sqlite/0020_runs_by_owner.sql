-- A person's runs across their agents and workspaces, newest first (GET /runs, the Runs page):
-- one range of this index per status, merged, in the index's own order instead of a sort of their
-- whole history; it also counts them by status. A run's owner is its agent's creator (only they
-- delegate to it or send it a follow-up). One index only: each on runs costs every lifecycle's writes.
CREATE INDEX runs_owner_status ON runs (owner_id, status, id);
