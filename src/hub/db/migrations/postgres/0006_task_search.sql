-- Task search (GET /tasks?q=, the board's q) is ILIKE on a task's title and description.
-- pg_trgm's GIN indexes answer it without reading every task of the project. The extension
-- ships with PostgreSQL and is trusted (13+), but a role may still lack the right to install
-- it: then the hub goes on without these indexes, and a search reads the project's tasks.
-- It goes into public, never into a hub's own schema: dropping that schema would take the
-- extension, and every other schema's indexes on it, along.
DO $$
DECLARE
  home name;
BEGIN
  -- Hubs migrating other schemas of this database at the same time install it once.
  PERFORM pg_advisory_xact_lock(hashtext('openclaw-groupchat pg_trgm'));
  IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
    BEGIN
      CREATE EXTENSION pg_trgm SCHEMA public;
    EXCEPTION WHEN OTHERS THEN
      RAISE NOTICE 'pg_trgm not installed (%): task search reads every task of a project', SQLERRM;
    END;
  END IF;
  SELECT n.nspname INTO home FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm';
  IF home IS NOT NULL THEN
    EXECUTE format('CREATE INDEX tasks_title_trgm ON tasks USING gin (title %I.gin_trgm_ops)', home);
    EXECUTE format('CREATE INDEX tasks_description_trgm ON tasks USING gin (description %I.gin_trgm_ops)', home);
  END IF;
END $$;
