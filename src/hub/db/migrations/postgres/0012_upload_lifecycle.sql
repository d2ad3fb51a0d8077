-- As SQLite's 0016: which tasks name which uploads (task_uploads), since when an upload is named by
-- none (the purger's queue, a partial index), and the bytes each workspace's uploads take (its quota).
CREATE TABLE task_uploads (
  task_id   TEXT COLLATE "C" NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
  field     TEXT NOT NULL CHECK (field IN ('images', 'description', 'feed')),
  upload_id TEXT COLLATE "C" NOT NULL REFERENCES uploads(id) ON DELETE CASCADE,
  PRIMARY KEY (task_id, field, upload_id)
);
CREATE INDEX task_uploads_upload ON task_uploads (upload_id);
ALTER TABLE uploads ADD COLUMN unreferenced_since BIGINT;
CREATE INDEX uploads_unreferenced ON uploads (unreferenced_since) WHERE unreferenced_since IS NOT NULL;
ALTER TABLE workspaces ADD COLUMN upload_bytes BIGINT NOT NULL DEFAULT 0;

-- What the tasks there already name (as SQLite's: the ids after /files/, the key not checked).
INSERT INTO task_uploads (task_id, field, upload_id)
SELECT DISTINCT x.task_id, x.field, up.id
FROM (
  SELECT id AS task_id, 'images' AS field, images AS text FROM tasks WHERE strpos(images, '/files/upl_') > 0
  UNION ALL SELECT id, 'description', description FROM tasks WHERE strpos(description, '/files/upl_') > 0
  UNION ALL SELECT task_id, 'feed', body FROM activity WHERE strpos(body, '/files/upl_') > 0
  UNION ALL SELECT task_id, 'feed', prompt FROM runs WHERE strpos(prompt, '/files/upl_') > 0
) x
CROSS JOIN LATERAL regexp_matches(x.text, '/files/(upl_[0-9a-z]{22})', 'g') AS m (found)
JOIN uploads up ON up.id = m.found[1];

UPDATE uploads SET unreferenced_since = created_at WHERE NOT EXISTS (SELECT 1 FROM task_uploads tu WHERE tu.upload_id = uploads.id);
UPDATE workspaces SET upload_bytes = (SELECT coalesce(sum(bytes), 0) FROM uploads WHERE uploads.workspace_id = workspaces.id)
WHERE id IN (SELECT workspace_id FROM uploads);
