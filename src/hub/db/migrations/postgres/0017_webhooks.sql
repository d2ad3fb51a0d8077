-- As SQLite's 0021: outgoing webhooks, each delivering its person's notifications in order from `cursor`
-- (read off notifications_user); the secret is kept usable, for signing; a claim is a lease.
CREATE TABLE webhooks (
  id                TEXT COLLATE "C" PRIMARY KEY,
  user_id           TEXT COLLATE "C" NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  url               TEXT NOT NULL,
  secret            TEXT NOT NULL,
  description       TEXT NOT NULL DEFAULT '',
  created_at        BIGINT NOT NULL,
  cursor            TEXT COLLATE "C" NOT NULL,
  next_attempt_at   BIGINT NOT NULL DEFAULT 0,
  failures          INTEGER NOT NULL DEFAULT 0,
  failing_since     BIGINT,
  last_attempt_at   BIGINT,
  last_status       INTEGER,
  last_error        TEXT,
  last_delivered_at BIGINT,
  disabled_at       BIGINT,
  lease_owner       TEXT,
  lease_until       BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX webhooks_user ON webhooks (user_id, id);
CREATE INDEX webhooks_due ON webhooks (next_attempt_at, id) WHERE disabled_at IS NULL;
