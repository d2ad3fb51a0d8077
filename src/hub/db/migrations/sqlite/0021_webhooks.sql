-- Outgoing webhooks (src/hub/webhooks/): each delivers its person's notifications, in order, to a URL.
-- `cursor` is the last notification delivered (or passed over): the dispatcher reads what follows it
-- off notifications_user (user_id, id), so the writes that notify someone do nothing more than before.
-- `secret` is kept as it is, not hashed: the hub signs every delivery with it (HMAC), so must have it.
-- A claim is a lease (`lease_owner`, `lease_until`): one hub at a time delivers a webhook's events.
CREATE TABLE webhooks (
  id                TEXT PRIMARY KEY,
  user_id           TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  url               TEXT NOT NULL,
  secret            TEXT NOT NULL,
  description       TEXT NOT NULL DEFAULT '',
  created_at        INTEGER NOT NULL,
  cursor            TEXT NOT NULL,
  next_attempt_at   INTEGER NOT NULL DEFAULT 0,
  failures          INTEGER NOT NULL DEFAULT 0,
  failing_since     INTEGER,
  last_attempt_at   INTEGER,
  last_status       INTEGER,
  last_error        TEXT,
  last_delivered_at INTEGER,
  disabled_at       INTEGER,
  lease_owner       TEXT,
  lease_until       INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX webhooks_user ON webhooks (user_id, id);
CREATE INDEX webhooks_due ON webhooks (next_attempt_at, id) WHERE disabled_at IS NULL;
