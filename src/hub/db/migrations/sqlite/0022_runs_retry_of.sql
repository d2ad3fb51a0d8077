-- The run a retry (POST /runs/:id/retry) ran again, shown as retryOf on the owner's runs. No foreign key
-- and so no index: a run and its retry are on the same task and go with it, and each index on runs costs
-- every lifecycle's writes.
ALTER TABLE runs ADD COLUMN retry_of TEXT;
