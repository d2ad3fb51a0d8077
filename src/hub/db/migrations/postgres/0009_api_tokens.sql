-- As SQLite's 0012: a personal access token's name, its first characters and when it was last
-- used; the tokens made before by `hub init` and `hub user add` are named after what made them.
ALTER TABLE owner_tokens ADD COLUMN name TEXT;
ALTER TABLE owner_tokens ADD COLUMN prefix TEXT;
ALTER TABLE owner_tokens ADD COLUMN last_used_at BIGINT;
UPDATE owner_tokens
SET name = CASE WHEN user_id = (SELECT min(id) FROM users WHERE kind = 'user') THEN 'Created by hub init' ELSE 'Created by hub user add' END,
    prefix = 'gcp_'
WHERE kind = 'pat';
DROP INDEX owner_tokens_user;
CREATE INDEX owner_tokens_user ON owner_tokens (user_id, kind, id);
