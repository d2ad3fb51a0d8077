-- An agent polling `GET /runs?status=STOPPED` (or FINISHED, ERROR) reads the runs
-- that ended last first, however old the run: in the order they ended.
CREATE INDEX runs_agent_ended ON runs (agent_id, status, ended_at);
