-- The hub's schema. Times are Unix milliseconds; ids are prefixed, time-sortable strings
-- (so the hot, append-mostly tables are WITHOUT ROWID: one B-tree each, appended at the end).

CREATE TABLE users (
  id          TEXT PRIMARY KEY,
  name        TEXT NOT NULL,
  kind        TEXT NOT NULL CHECK (kind IN ('user', 'agent')),
  created_at  INTEGER NOT NULL
);

-- Owners' personal access tokens (gcp_) and web sessions; only SHA-256 hashes are kept.
CREATE TABLE owner_tokens (
  id          TEXT PRIMARY KEY,
  user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  token_hash  TEXT NOT NULL UNIQUE,
  kind        TEXT NOT NULL CHECK (kind IN ('pat', 'session')),
  created_at  INTEGER NOT NULL,
  expires_at  INTEGER
);

CREATE TABLE workspaces (
  id          TEXT PRIMARY KEY,
  name        TEXT NOT NULL,
  created_by  TEXT NOT NULL REFERENCES users(id),
  created_at  INTEGER NOT NULL
);

CREATE TABLE workspace_members (
  workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_at   INTEGER NOT NULL,
  PRIMARY KEY (workspace_id, user_id)
);
CREATE INDEX workspace_members_user ON workspace_members (user_id);

CREATE TABLE projects (
  id           TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  name         TEXT NOT NULL,
  description  TEXT NOT NULL DEFAULT '',
  created_at   INTEGER NOT NULL
);
CREATE INDEX projects_workspace ON projects (workspace_id);

CREATE TABLE tasks (
  id           TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  project_id   TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  title        TEXT NOT NULL,
  description  TEXT NOT NULL DEFAULT '',
  status       TEXT NOT NULL CHECK (status IN ('todo', 'doing', 'done')),
  due_date     TEXT,
  images       TEXT NOT NULL DEFAULT '[]',
  creator_id   TEXT NOT NULL REFERENCES users(id),
  owner_id     TEXT NOT NULL REFERENCES users(id),
  created_at   INTEGER NOT NULL,
  updated_at   INTEGER NOT NULL
);
CREATE INDEX tasks_project ON tasks (project_id, status);

CREATE TABLE agents (
  id            TEXT PRIMARY KEY,
  user_id       TEXT NOT NULL UNIQUE REFERENCES users(id),
  creator_id    TEXT NOT NULL REFERENCES users(id),
  name          TEXT NOT NULL,
  description   TEXT NOT NULL DEFAULT '',
  token_hash    TEXT UNIQUE,
  created_at    INTEGER NOT NULL,
  deleted_at    INTEGER
);
CREATE INDEX agents_creator ON agents (creator_id);

CREATE TABLE runs (
  id                     TEXT PRIMARY KEY,
  task_id                TEXT NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
  agent_id               TEXT NOT NULL REFERENCES agents(id),
  owner_id               TEXT NOT NULL REFERENCES users(id),
  status                 TEXT NOT NULL CHECK (status IN ('PENDING', 'RUNNING', 'FINISHED', 'ERROR', 'STOPPED')),
  prompt                 TEXT NOT NULL,
  last_follow_up_message TEXT,
  follows_run_id         TEXT REFERENCES runs(id),
  created_at             INTEGER NOT NULL,
  started_at             INTEGER,
  ended_at               INTEGER,
  -- The lease: the last call the agent made about this run; the reaper ends stale ones.
  heartbeat_at           INTEGER,
  step_cost_usd          REAL,
  total_cost_usd         REAL
) WITHOUT ROWID;
CREATE INDEX runs_agent_status ON runs (agent_id, status, created_at);
CREATE INDEX runs_task ON runs (task_id, id);
-- Partial indexes stay small and change only on the transitions they are about.
-- At most one PENDING or RUNNING run per task and agent, enforced by the database itself.
CREATE UNIQUE INDEX runs_active ON runs (task_id, agent_id) WHERE status IN ('PENDING', 'RUNNING');
CREATE INDEX runs_running ON runs (started_at) WHERE status = 'RUNNING';

CREATE TABLE activity (
  id          TEXT NOT NULL,
  task_id     TEXT NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
  run_id      TEXT REFERENCES runs(id),
  type        TEXT NOT NULL CHECK (type IN ('comment', 'status_change')),
  subject     TEXT CHECK (subject IN ('run', 'task')),
  author_id   TEXT NOT NULL REFERENCES users(id),
  body        TEXT NOT NULL,
  from_status TEXT,
  to_status   TEXT,
  created_at  INTEGER NOT NULL,
  -- Keyed by task: a feed is one range of the primary key, and an insert touches one B-tree.
  PRIMARY KEY (task_id, id)
) WITHOUT ROWID;

CREATE TABLE notifications (
  id          TEXT PRIMARY KEY,
  user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  type        TEXT NOT NULL,
  task_id     TEXT REFERENCES tasks(id) ON DELETE CASCADE,
  run_id      TEXT REFERENCES runs(id),
  actor_id    TEXT REFERENCES users(id),
  body        TEXT NOT NULL,
  created_at  INTEGER NOT NULL,
  read_at     INTEGER
) WITHOUT ROWID;
CREATE INDEX notifications_user ON notifications (user_id, read_at, id);

-- Replays for POSTs sent with an Idempotency-Key, per caller.
CREATE TABLE idempotency_keys (
  scope         TEXT NOT NULL,
  key           TEXT NOT NULL,
  request_hash  TEXT NOT NULL,
  status_code   INTEGER NOT NULL,
  response_body TEXT NOT NULL,
  created_at    INTEGER NOT NULL,
  PRIMARY KEY (scope, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

CREATE TABLE settings (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
