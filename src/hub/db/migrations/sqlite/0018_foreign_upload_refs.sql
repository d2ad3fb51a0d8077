-- 0016's backfill recorded every upload a task's texts named, whatever its workspace; the services record only the
-- task's own workspace's (services/upload-refs.ts): another workspace's upload is shown there but not kept by it, so
-- its own workspace's people alone can let go of it. Those references go. An upload they alone named waits out its
-- grace from now, as one whose last task let go of it does (milliseconds since 1970, from the Julian day).
UPDATE uploads SET unreferenced_since = CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)
WHERE unreferenced_since IS NULL
  AND EXISTS (SELECT 1 FROM task_uploads tu JOIN tasks t ON t.id = tu.task_id WHERE tu.upload_id = uploads.id AND t.workspace_id <> uploads.workspace_id)
  AND NOT EXISTS (SELECT 1 FROM task_uploads tu JOIN tasks t ON t.id = tu.task_id WHERE tu.upload_id = uploads.id AND t.workspace_id = uploads.workspace_id);

DELETE FROM task_uploads
WHERE EXISTS (
  SELECT 1 FROM tasks t JOIN uploads up ON up.id = task_uploads.upload_id
  WHERE t.id = task_uploads.task_id AND up.workspace_id <> t.workspace_id
);
