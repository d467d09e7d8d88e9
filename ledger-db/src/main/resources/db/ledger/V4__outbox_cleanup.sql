-- Outbox clean-up: the CDC service deletes captured outbox rows in bounded batches, so the table
-- does not grow without bound (issue 5).

-- Deletes are housekeeping, not events: logical decoding must not stream them. The INSERTs stay in
-- the WAL (held by the replication slot) whether or not the row still exists.
ALTER PUBLICATION settleflow_outbox SET (publish = 'insert');

-- Clean-up picks the oldest rows first; without this index every batch would scan the table.
CREATE INDEX outbox_by_created ON ledger.outbox (created_at);

-- Deleting crosses merchants, which RLS forbids to ordinary roles: a narrow SECURITY DEFINER
-- function deletes at most max_rows rows created before cutoff (oldest first) and nothing else.
-- It refuses to delete anything while the replication slot does not exist: a row deleted before
-- the slot exists would be missed by the connector's initial snapshot, i.e. lost. Rows held by a
-- running transaction are skipped, not waited for.
CREATE FUNCTION ledger.purge_outbox(slot text, cutoff timestamptz, max_rows int) RETURNS int
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, ledger AS $$
DECLARE
  purged int;
BEGIN
  IF slot IS NULL OR cutoff IS NULL OR max_rows IS NULL OR max_rows < 1 OR max_rows > 10000 THEN
    RAISE EXCEPTION 'purge_outbox: slot and cutoff required, max_rows must be 1..10000, was %', max_rows
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_replication_slots
                  WHERE slot_name = slot AND database = current_database()
                    AND confirmed_flush_lsn IS NOT NULL) THEN
    RETURN 0;
  END IF;
  DELETE FROM ledger.outbox o
   USING (SELECT merchant_id, id FROM ledger.outbox
           WHERE created_at < cutoff ORDER BY created_at LIMIT max_rows
           FOR UPDATE SKIP LOCKED) expired
   WHERE o.merchant_id = expired.merchant_id AND o.id = expired.id;
  GET DIAGNOSTICS purged = ROW_COUNT;
  RETURN purged;
END
$$;
-- Granted to the CDC role at deployment (the role is not created by migrations):
--   GRANT EXECUTE ON FUNCTION ledger.purge_outbox(text, timestamptz, int) TO <cdc role>;
REVOKE ALL ON FUNCTION ledger.purge_outbox(text, timestamptz, int) FROM PUBLIC;
