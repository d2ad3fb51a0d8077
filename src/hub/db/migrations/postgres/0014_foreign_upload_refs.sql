-- As SQLite's 0018: the references 0012's backfill recorded to another workspace's uploads go (the services never
-- record them), and an upload they alone named waits out its grace from now.
UPDATE uploads SET unreferenced_since = (extract(epoch FROM clock_timestamp()) * 1000)::bigint
WHERE unreferenced_since IS NULL
  AND EXISTS (SELECT 1 FROM task_uploads tu JOIN tasks t ON t.id = tu.task_id WHERE tu.upload_id = uploads.id AND t.workspace_id <> uploads.workspace_id)
  AND NOT EXISTS (SELECT 1 FROM task_uploads tu JOIN tasks t ON t.id = tu.task_id WHERE tu.upload_id = uploads.id AND t.workspace_id = uploads.workspace_id);

DELETE FROM task_uploads tu
USING tasks t, uploads up
WHERE t.id = tu.task_id AND up.id = tu.upload_id AND up.workspace_id <> t.workspace_id;
