-- Finance console (module finance-console): mismatch alerts as finance works them, an append-only
-- audit trail of every action, finance users and their sessions. Its own schema and role: finance
-- sees every merchant's alerts, so these tables have no merchant row-level security. In schema
-- ledger the console role may only read payments and append adjustment bookings (below), under the
-- same row-level security as the application; API keys, outbox and the card vault stay out of reach.

CREATE SCHEMA IF NOT EXISTS finance;

-- The console connects as settleflow_console: owns nothing, no BYPASSRLS. Its password is set at
-- bootstrap from a secret (never in a migration).
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'settleflow_console') THEN
    CREATE ROLE settleflow_console NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
  END IF;
END
$$;

-- One row per MismatchAlert.event_id (deterministic, so a replayed alert lands on the same row).
-- Orphan settlements have no merchant, so merchant_id is nullable and not part of the key; the
-- table is small (finance works every row) and would be a Citus reference table.
CREATE TABLE finance.alerts (
  alert_id              text PRIMARY KEY CHECK (length(alert_id) BETWEEN 1 AND 200),
  kind                  text NOT NULL CHECK (kind ~ '^[A-Z_]{1,64}$'),
  merchant_id           text CHECK (length(merchant_id) <= 64),
  payment_id            text CHECK (length(payment_id) <= 200),
  settlement_id         text CHECK (length(settlement_id) <= 200),
  source                text CHECK (length(source) <= 100),
  expected_amount_minor bigint,
  actual_amount_minor   bigint,
  currency              char(3) CHECK (currency ~ '^[A-Z]{3}$'),
  severity              text NOT NULL CHECK (severity IN ('INFO', 'LOW', 'MEDIUM', 'HIGH')),
  status                text NOT NULL DEFAULT 'OPEN' CHECK (status IN ('OPEN', 'ACKNOWLEDGED', 'RESOLVED')),
  assignee              text CHECK (length(assignee) <= 64),
  rule                  text NOT NULL,
  detail                text NOT NULL,
  detected_at           timestamptz NOT NULL,
  received_at           timestamptz NOT NULL,
  updated_at            timestamptz NOT NULL,
  payload               bytea NOT NULL,
  -- the ledger ADJUSTMENT that booked the difference when it was resolved (ledger.ledger_transactions)
  compensation_tx_id    uuid
);
CREATE INDEX alerts_by_detected ON finance.alerts (detected_at DESC, alert_id);
CREATE INDEX alerts_open_by_kind ON finance.alerts (kind, detected_at) WHERE status <> 'RESOLVED';

-- recon.matches, one row per ReconMatch.event_id: the denominator of the match rate per processor
-- and day (replays insert nothing).
CREATE TABLE finance.recon_matches (
  match_id    text PRIMARY KEY CHECK (length(match_id) BETWEEN 1 AND 200),
  merchant_id text NOT NULL,
  source      text NOT NULL,
  matched_at  timestamptz NOT NULL
);
CREATE INDEX recon_matches_by_day ON finance.recon_matches (source, matched_at);

-- Finance users. password_hash is bcrypt (OpenBSD "$2y$" format, cost in the string).
CREATE TABLE finance.users (
  username      text PRIMARY KEY CHECK (username ~ '^[a-z0-9][a-z0-9._-]{0,63}$'),
  password_hash text NOT NULL CHECK (password_hash LIKE '$2%'),
  created_at    timestamptz NOT NULL,
  disabled_at   timestamptz
);

-- Sessions: the cookie holds 32 random bytes; only their SHA-256 is stored.
CREATE TABLE finance.sessions (
  token_hash bytea PRIMARY KEY CHECK (length(token_hash) = 32),
  username   text NOT NULL REFERENCES finance.users,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL
);
CREATE INDEX sessions_by_expiry ON finance.sessions (expires_at);

-- Every action on an alert, who and when: insert-only, even for the owner.
CREATE TABLE finance.alert_audit (
  audit_id   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  alert_id   text NOT NULL REFERENCES finance.alerts,
  action     text NOT NULL CHECK (action IN ('RECEIVED', 'ACKNOWLEDGE', 'ASSIGN', 'RESOLVE')),
  actor      text NOT NULL,
  note       text CHECK (length(note) <= 2000),
  status_after text NOT NULL CHECK (status_after IN ('OPEN', 'ACKNOWLEDGED', 'RESOLVED')),
  assignee_after text,
  at         timestamptz NOT NULL
);
CREATE INDEX alert_audit_by_alert ON finance.alert_audit (alert_id, audit_id);

CREATE FUNCTION finance.reject_audit_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the alert audit trail is append-only'
    USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER alert_audit_append_only
  BEFORE UPDATE OR DELETE ON finance.alert_audit
  FOR EACH ROW EXECUTE FUNCTION finance.reject_audit_change();

GRANT USAGE ON SCHEMA finance TO settleflow_console;
GRANT SELECT, INSERT ON finance.alerts, finance.recon_matches, finance.alert_audit TO settleflow_console;
GRANT UPDATE (status, assignee, updated_at, compensation_tx_id) ON finance.alerts TO settleflow_console;
GRANT SELECT, INSERT ON finance.users TO settleflow_console;
GRANT UPDATE (password_hash, disabled_at) ON finance.users TO settleflow_console;
GRANT SELECT, INSERT, DELETE ON finance.sessions TO settleflow_console;
-- readiness: the console checks the migration it needs is applied
GRANT USAGE ON SCHEMA ledger TO settleflow_console;
GRANT SELECT ON ledger.flyway_schema_history TO settleflow_console;
-- Compensation: resolving an amount mismatch can book the difference as a balanced ADJUSTMENT
-- (never an edit of history). Insert-only, and row-level security still binds each booking to
-- the merchant the console sets per transaction (settleflow.merchant_id), as for the app role.
GRANT SELECT ON ledger.payments TO settleflow_console;
GRANT SELECT, INSERT ON ledger.accounts, ledger.ledger_transactions, ledger.ledger_entries TO settleflow_console;
