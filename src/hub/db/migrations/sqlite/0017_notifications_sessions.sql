-- The notifications of a project deleted and not yet purged are left out of every read
-- (store/notifications.ts): while a purge runs, each unread one counted is checked by its task.
-- The unread index holds the task_id, so the count reads that index alone, as before, instead of
-- each notification's row (3 ms against 0.3 ms at 5,000 unread).
DROP INDEX notifications_unread;
CREATE INDEX notifications_unread ON notifications (user_id, read_at, id, task_id) WHERE read_at IS NULL;
-- Each sign-in deletes the expired sessions and sign-in codes (both kind 'session'; every sign-in
-- leaves a code and a 30-day session), and read every token of the hub to find them. The personal
-- access tokens, which never expire, stay out of the index. Invites and idempotency keys expire by
-- their indexes already (invites_expiry, idempotency_keys_created).
CREATE INDEX owner_tokens_expiry ON owner_tokens (expires_at) WHERE kind = 'session';
