-- The hub's schema on PostgreSQL: the same tables as SQLite's migrations 0001-0005 leave.
-- Times are Unix milliseconds (BIGINT); ids are prefixed, time-sortable strings compared
-- byte by byte (COLLATE "C"), so "ORDER BY id" is creation order whatever the database's locale.

CREATE TABLE users (
  id          TEXT COLLATE "C" PRIMARY KEY,
  name        TEXT NOT NULL,
  kind        TEXT NOT NULL CHECK (kind IN ('user', 'agent')),
  created_at  BIGINT NOT NULL
);

-- Owners' personal access tokens (gcp_) and web sessions; only SHA-256 hashes are kept.
CREATE TABLE owner_tokens (
  id          TEXT COLLATE "C" PRIMARY KEY,
  user_id     TEXT COLLATE "C" NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  token_hash  TEXT NOT NULL UNIQUE,
  kind        TEXT NOT NULL CHECK (kind IN ('pat', 'session')),
  created_at  BIGINT NOT NULL,
  expires_at  BIGINT
);
CREATE INDEX owner_tokens_user ON owner_tokens (user_id);

CREATE TABLE workspaces (
  id          TEXT COLLATE "C" PRIMARY KEY,
  name        TEXT NOT NULL,
  created_by  TEXT COLLATE "C" NOT NULL REFERENCES users(id),
  created_at  BIGINT NOT NULL
);

CREATE TABLE workspace_members (
  workspace_id TEXT COLLATE "C" NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  user_id      TEXT COLLATE "C" NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_at   BIGINT NOT NULL,
  PRIMARY KEY (workspace_id, user_id)
);
CREATE INDEX workspace_members_user ON workspace_members (user_id);

CREATE TABLE projects (
  id           TEXT COLLATE "C" PRIMARY KEY,
  workspace_id TEXT COLLATE "C" NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  name         TEXT NOT NULL,
  description  TEXT NOT NULL DEFAULT '',
  created_at   BIGINT NOT NULL
);
CREATE INDEX projects_workspace ON projects (workspace_id);

CREATE TABLE tasks (
  id             TEXT COLLATE "C" PRIMARY KEY,
  workspace_id   TEXT COLLATE "C" NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  project_id     TEXT COLLATE "C" NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  title          TEXT NOT NULL,
  description    TEXT NOT NULL DEFAULT '',
  status         TEXT NOT NULL CHECK (status IN ('todo', 'doing', 'done')),
  due_date       TEXT,
  images         TEXT NOT NULL DEFAULT '[]',
  creator_id     TEXT COLLATE "C" NOT NULL REFERENCES users(id),
  owner_id       TEXT COLLATE "C" NOT NULL REFERENCES users(id),
  created_at     BIGINT NOT NULL,
  updated_at     BIGINT NOT NULL,
  -- The total of the last turn that reported a cost, in the order the costs came in.
  cost_total_usd DOUBLE PRECISION
);
CREATE INDEX tasks_project ON tasks (project_id, status);

CREATE TABLE agents (
  id            TEXT COLLATE "C" PRIMARY KEY,
  user_id       TEXT COLLATE "C" NOT NULL UNIQUE REFERENCES users(id),
  creator_id    TEXT COLLATE "C" NOT NULL REFERENCES users(id),
  name          TEXT NOT NULL,
  description   TEXT NOT NULL DEFAULT '',
  token_hash    TEXT UNIQUE,
  created_at    BIGINT NOT NULL,
  deleted_at    BIGINT
);
CREATE INDEX agents_creator ON agents (creator_id);

CREATE TABLE runs (
  id                     TEXT COLLATE "C" PRIMARY KEY,
  task_id                TEXT COLLATE "C" NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
  agent_id               TEXT COLLATE "C" NOT NULL REFERENCES agents(id),
  owner_id               TEXT COLLATE "C" NOT NULL REFERENCES users(id),
  status                 TEXT NOT NULL CHECK (status IN ('PENDING', 'RUNNING', 'FINISHED', 'ERROR', 'STOPPED')),
  prompt                 TEXT NOT NULL,
  last_follow_up_message TEXT,
  follows_run_id         TEXT COLLATE "C" REFERENCES runs(id),
  created_at             BIGINT NOT NULL,
  started_at             BIGINT,
  ended_at               BIGINT,
  -- The lease: the last call the agent made about this run; the reaper ends stale ones.
  heartbeat_at           BIGINT,
  step_cost_usd          DOUBLE PRECISION,
  total_cost_usd         DOUBLE PRECISION
);
CREATE INDEX runs_agent_status ON runs (agent_id, status, created_at);
CREATE INDEX runs_task ON runs (task_id, id);
-- At most one PENDING or RUNNING run per task and agent, enforced by the database itself.
CREATE UNIQUE INDEX runs_active ON runs (task_id, agent_id) WHERE status IN ('PENDING', 'RUNNING');
CREATE INDEX runs_running ON runs (started_at) WHERE status = 'RUNNING';

-- Activity of runs is indexed by run, the rest (people's comments, task edits) by task.
CREATE TABLE activity (
  seq         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id          TEXT COLLATE "C" NOT NULL,
  task_id     TEXT COLLATE "C" NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
  run_id      TEXT COLLATE "C" REFERENCES runs(id),
  type        TEXT NOT NULL CHECK (type IN ('comment', 'status_change')),
  subject     TEXT CHECK (subject IN ('run', 'task')),
  author_id   TEXT COLLATE "C" NOT NULL REFERENCES users(id),
  body        TEXT NOT NULL,
  from_status TEXT,
  to_status   TEXT,
  created_at  BIGINT NOT NULL
);
CREATE UNIQUE INDEX activity_run ON activity (run_id, id) WHERE run_id IS NOT NULL;
CREATE UNIQUE INDEX activity_task ON activity (task_id, id) WHERE run_id IS NULL;

CREATE TABLE notifications (
  id          TEXT COLLATE "C" PRIMARY KEY,
  user_id     TEXT COLLATE "C" NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  type        TEXT NOT NULL,
  task_id     TEXT COLLATE "C" REFERENCES tasks(id) ON DELETE CASCADE,
  run_id      TEXT COLLATE "C" REFERENCES runs(id),
  actor_id    TEXT COLLATE "C" REFERENCES users(id),
  body        TEXT NOT NULL,
  created_at  BIGINT NOT NULL,
  read_at     BIGINT
);
CREATE INDEX notifications_user ON notifications (user_id, read_at, id);

-- Replays for POSTs sent with an Idempotency-Key, per caller.
CREATE TABLE idempotency_keys (
  scope         TEXT NOT NULL,
  key           TEXT NOT NULL,
  request_hash  TEXT NOT NULL,
  status_code   INTEGER NOT NULL,
  response_body TEXT NOT NULL,
  created_at    BIGINT NOT NULL,
  PRIMARY KEY (scope, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

CREATE TABLE settings (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
