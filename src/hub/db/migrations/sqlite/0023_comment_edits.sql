-- A person's comment on a task may be edited by its author: when it last was (null: never), shown as "edited".
-- A deleted comment's row goes (the feed, its count and the agent's view lose it at once), so nothing marks that.
ALTER TABLE activity ADD COLUMN edited_at INTEGER;
