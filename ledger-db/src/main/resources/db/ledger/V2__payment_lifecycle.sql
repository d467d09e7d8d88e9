-- Payment lifecycle: capture, refund, cancel; listing; bounded pruning of idempotency keys.

-- A payment's status must agree with its captured and refunded amounts, whatever code wrote it.
ALTER TABLE ledger.payments ADD CONSTRAINT payments_status_matches_amounts CHECK (
     (status = 'AUTHORIZED'         AND captured_minor = 0 AND refunded_minor = 0)
  OR (status = 'CAPTURED'           AND captured_minor > 0 AND refunded_minor = 0)
  OR (status = 'PARTIALLY_REFUNDED' AND refunded_minor > 0 AND refunded_minor < captured_minor)
  OR (status = 'REFUNDED'           AND refunded_minor > 0 AND refunded_minor = captured_minor)
  OR (status = 'CANCELLED'          AND captured_minor = 0 AND refunded_minor = 0));

-- GET /v1/payments?status=...: keyset pages within one merchant and status.
CREATE INDEX payments_by_status_created ON ledger.payments (merchant_id, status, created_at, payment_id);

-- The application may change only the lifecycle columns of a payment and the stored response of
-- an idempotency key (V1 granted UPDATE on whole rows).
REVOKE UPDATE ON ledger.payments, ledger.idempotency_keys FROM settleflow_app;
GRANT UPDATE (status, captured_minor, refunded_minor, updated_at) ON ledger.payments TO settleflow_app;
GRANT UPDATE (response_status, response_body) ON ledger.idempotency_keys TO settleflow_app;

-- Pruning crosses merchants, which RLS forbids the application role: a narrow SECURITY DEFINER
-- function deletes at most max_rows keys older than cutoff (oldest first) and nothing else. Keys
-- still held by a running transaction are skipped, not waited for.
CREATE FUNCTION ledger.purge_idempotency_keys(cutoff timestamptz, max_rows int) RETURNS int
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, ledger AS $$
DECLARE
  purged int;
BEGIN
  IF cutoff IS NULL OR max_rows IS NULL OR max_rows < 1 OR max_rows > 10000 THEN
    RAISE EXCEPTION 'purge_idempotency_keys: cutoff required, max_rows must be 1..10000, was %', max_rows
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  DELETE FROM ledger.idempotency_keys k
   USING (SELECT merchant_id, idempotency_key FROM ledger.idempotency_keys
           WHERE created_at < cutoff ORDER BY created_at LIMIT max_rows
           FOR UPDATE SKIP LOCKED) expired
   WHERE k.merchant_id = expired.merchant_id AND k.idempotency_key = expired.idempotency_key;
  GET DIAGNOSTICS purged = ROW_COUNT;
  RETURN purged;
END
$$;
REVOKE ALL ON FUNCTION ledger.purge_idempotency_keys(timestamptz, int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ledger.purge_idempotency_keys(timestamptz, int) TO settleflow_app;
