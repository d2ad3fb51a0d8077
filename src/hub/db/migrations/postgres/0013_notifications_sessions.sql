-- As SQLite's 0017: the unread index holds the task_id, so the unread count, which now leaves out
-- the notifications of projects deleted and not yet purged, is still an index-only scan.
DROP INDEX notifications_unread;
CREATE INDEX notifications_unread ON notifications (user_id, id) INCLUDE (task_id) WHERE read_at IS NULL;
-- The expired sessions and sign-in codes, deleted at each sign-in, by index (the tokens that never expire left out).
CREATE INDEX owner_tokens_expiry ON owner_tokens (expires_at) WHERE kind = 'session';
