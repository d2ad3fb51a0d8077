-- Uploads get a lifecycle and a bound. `task_uploads` says which tasks name which uploads, and where:
-- `images`, `description`, or `feed` (a comment, a run's words, a delegation's prompt). The services
-- that write those keep it (services/upload-refs.ts); a task's deletion, or its project's purge, drops
-- its rows. An upload no task names has `unreferenced_since` set, and the purger removes it once that
-- is older than --upload-grace, off the partial index below (never a scan of tasks or uploads).
CREATE TABLE task_uploads (
  task_id   TEXT NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
  field     TEXT NOT NULL CHECK (field IN ('images', 'description', 'feed')),
  upload_id TEXT NOT NULL REFERENCES uploads(id) ON DELETE CASCADE,
  PRIMARY KEY (task_id, field, upload_id)
) WITHOUT ROWID;
CREATE INDEX task_uploads_upload ON task_uploads (upload_id);
ALTER TABLE uploads ADD COLUMN unreferenced_since INTEGER;
CREATE INDEX uploads_unreferenced ON uploads (unreferenced_since) WHERE unreferenced_since IS NOT NULL;
-- The bytes of the workspace's uploads: its quota (--upload-quota) is checked against this in the upload's own write.
ALTER TABLE workspaces ADD COLUMN upload_bytes INTEGER NOT NULL DEFAULT 0;

-- What the tasks there already name: every /files/upl_… in their texts, once (the key is not checked here, as the
-- services check it: a reference too many only keeps a file). One pass over the texts that hold such a URL.
INSERT OR IGNORE INTO task_uploads (task_id, field, upload_id)
WITH RECURSIVE
  texts (task_id, field, text) AS (
    SELECT id, 'images', images FROM tasks WHERE instr(images, '/files/upl_') > 0
    UNION ALL SELECT id, 'description', description FROM tasks WHERE instr(description, '/files/upl_') > 0
    UNION ALL SELECT task_id, 'feed', body FROM activity WHERE instr(body, '/files/upl_') > 0
    UNION ALL SELECT task_id, 'feed', prompt FROM runs WHERE instr(prompt, '/files/upl_') > 0
  ),
  -- Each step takes the id after the next "/files/" (upl_ and 22 characters) and goes on past it.
  hits (task_id, field, upload_id, rest) AS (
    SELECT task_id, field, NULL, text FROM texts
    UNION ALL
    SELECT task_id, field, substr(rest, instr(rest, '/files/upl_') + 7, 26), substr(rest, instr(rest, '/files/upl_') + 33)
    FROM hits WHERE instr(rest, '/files/upl_') > 0
  )
SELECT h.task_id, h.field, up.id FROM hits h JOIN uploads up ON up.id = h.upload_id;

-- An upload no task names counts from its creation, as a new one does.
UPDATE uploads SET unreferenced_since = created_at WHERE NOT EXISTS (SELECT 1 FROM task_uploads tu WHERE tu.upload_id = uploads.id);
UPDATE workspaces SET upload_bytes = (SELECT coalesce(sum(bytes), 0) FROM uploads WHERE uploads.workspace_id = workspaces.id)
WHERE id IN (SELECT workspace_id FROM uploads);
