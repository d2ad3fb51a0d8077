-- As SQLite's 0023: when a person's comment was last edited by its author (null: never). A deleted one's row goes.
ALTER TABLE activity ADD COLUMN edited_at BIGINT;
