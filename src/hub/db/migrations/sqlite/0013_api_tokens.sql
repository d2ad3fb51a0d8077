-- Personal access tokens (gcp_) anyone manages: a name, the first characters of the token (to tell
-- them apart; the rest is kept only as its hash), and when it was last used (written at most once a
-- minute per token). Sessions and sign-in codes leave them NULL. The tokens made before this, by
-- `hub init` (the first person) and `hub user add`, are named after what made them; their start was
-- never stored, so their prefix is the kind's alone.
ALTER TABLE owner_tokens ADD COLUMN name TEXT;
ALTER TABLE owner_tokens ADD COLUMN prefix TEXT;
ALTER TABLE owner_tokens ADD COLUMN last_used_at INTEGER;
UPDATE owner_tokens
SET name = CASE WHEN user_id = (SELECT min(id) FROM users WHERE kind = 'user') THEN 'Created by hub init' ELSE 'Created by hub user add' END,
    prefix = 'gcp_'
WHERE kind = 'pat';
-- A person's tokens of a kind, newest first, and their count (the cap), off one index.
CREATE INDEX owner_tokens_user ON owner_tokens (user_id, kind, id);
