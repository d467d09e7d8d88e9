-- Reconciliation results (module flink-reconcile) for finance to query: one row per match
-- (recon.matches) and per alert (recon.mismatches), keyed by the result's event id. The ids are
-- deterministic (name-based UUIDs of the inputs), so a replay after a restore writes the same rows:
-- the writer inserts with ON CONFLICT (id) DO NOTHING and never duplicates.
-- Orphan settlements and batch results may have no merchant, so merchant_id is nullable and not
-- part of the key (as finance.alerts in V5).

DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'settleflow_recon') THEN
    -- The writer: NOLOGIN; the deployment makes its login role a member (as for settleflow_cdc).
    CREATE ROLE settleflow_recon NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
  END IF;
END
$$;

CREATE TABLE ledger.reconciliation (
  id                    text PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 200),
  merchant_id           text CHECK (length(merchant_id) <= 64),
  -- MATCH, or the MismatchAlert kind (AMOUNT_MISMATCH, ..., RESOLVED)
  kind                  text NOT NULL CHECK (kind ~ '^[A-Z_]{1,64}$'),
  -- MATCHED (a match), OPEN (an alert), RESOLVED (an alert a later RESOLVED event closed, or the
  -- RESOLVED event itself)
  status                text NOT NULL CHECK (status IN ('MATCHED', 'OPEN', 'RESOLVED')),
  severity              text CHECK (severity IN ('INFO', 'MEDIUM', 'HIGH')),
  payment_id            text CHECK (length(payment_id) <= 200),
  settlement_id         text CHECK (length(settlement_id) <= 4000),
  batch_id              text CHECK (length(batch_id) <= 200),
  source                text CHECK (length(source) <= 100),
  currency              char(3) CHECK (currency ~ '^[A-Z]{3}$'),
  expected_amount_minor bigint,
  actual_amount_minor   bigint,
  fee_amount_minor      bigint,
  -- the rule that decided (rule id) and its version, as in the result's rule-id@version
  rule                  text NOT NULL CHECK (length(rule) BETWEEN 1 AND 200),
  rule_version          integer,
  -- {criteria: [{criterion, rule, passed, expected, actual, delta}], deltas: {...}, detail}
  explanation           jsonb NOT NULL,
  -- RESOLVED events: the alert they resolve; alerts: the RESOLVED event that closed them
  resolves_id           text CHECK (length(resolves_id) <= 200),
  resolved_by           text CHECK (length(resolved_by) <= 200),
  detected_at           timestamptz NOT NULL,
  written_at            timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX reconciliation_by_detected ON ledger.reconciliation (detected_at DESC, id);
CREATE INDEX reconciliation_open_by_kind ON ledger.reconciliation (kind, detected_at)
  WHERE status = 'OPEN';
CREATE INDEX reconciliation_by_payment ON ledger.reconciliation (payment_id);

-- History is written once: the writer may insert and close an alert, nothing else.
ALTER TABLE ledger.reconciliation ENABLE ROW LEVEL SECURITY;
-- The application reads its merchant's results only (read-only: no INSERT/UPDATE grant).
CREATE POLICY merchant_isolation ON ledger.reconciliation FOR SELECT TO settleflow_app
  USING (merchant_id = current_setting('settleflow.merchant_id', true));
-- Finance (the console) and the writer see every merchant's results.
CREATE POLICY finance_reads_all ON ledger.reconciliation FOR SELECT TO settleflow_console
  USING (true);
CREATE POLICY recon_writes_all ON ledger.reconciliation TO settleflow_recon
  USING (true) WITH CHECK (true);

GRANT SELECT ON ledger.reconciliation TO settleflow_app, settleflow_console;
GRANT USAGE ON SCHEMA ledger TO settleflow_recon;
GRANT SELECT ON ledger.flyway_schema_history TO settleflow_recon;
GRANT SELECT, INSERT ON ledger.reconciliation TO settleflow_recon;
GRANT UPDATE (status, resolved_by) ON ledger.reconciliation TO settleflow_recon;
