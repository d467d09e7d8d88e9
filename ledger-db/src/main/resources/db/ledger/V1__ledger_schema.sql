-- settleflow ledger: double-entry, insert-only on the hot path, isolated per merchant.
-- Every table carries merchant_id and it leads every primary key and unique constraint, so the
-- schema can be distributed by merchant (Citus) without a rewrite; row-level security keys on it.

CREATE SCHEMA IF NOT EXISTS ledger;

-- The application connects as settleflow_app: not the owner of any table, no BYPASSRLS.
-- Its password is set at bootstrap from a secret (never in a migration).
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'settleflow_app') THEN
    CREATE ROLE settleflow_app NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
  END IF;
END
$$;

CREATE TABLE ledger.merchants (
  merchant_id text PRIMARY KEY CHECK (merchant_id ~ '^[a-z0-9][a-z0-9_-]{0,63}$'),
  name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  created_at  timestamptz NOT NULL DEFAULT now()
);

-- API keys are stored as SHA-256 of a 256-bit random secret: a fast hash is enough for keys of
-- that entropy (no dictionary to try), and lookups stay O(1) on the request path.
CREATE TABLE ledger.api_keys (
  merchant_id text NOT NULL REFERENCES ledger.merchants,
  key_id      text NOT NULL,
  key_hash    bytea NOT NULL CHECK (length(key_hash) = 32),
  created_at  timestamptz NOT NULL DEFAULT now(),
  revoked_at  timestamptz,
  PRIMARY KEY (merchant_id, key_id)
);
-- Looked up before the merchant is known; with Citus this table is a reference table.
CREATE UNIQUE INDEX api_keys_by_hash ON ledger.api_keys (key_hash);

CREATE TABLE ledger.accounts (
  merchant_id  text NOT NULL REFERENCES ledger.merchants,
  account_code text NOT NULL CHECK (account_code ~ '^[a-z][a-z_]{1,63}$'),
  currency     char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  kind         text NOT NULL CHECK (kind IN ('ASSET', 'LIABILITY', 'REVENUE', 'EXPENSE')),
  created_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (merchant_id, account_code, currency)
);

CREATE TABLE ledger.payments (
  merchant_id    text NOT NULL REFERENCES ledger.merchants,
  payment_id     uuid NOT NULL,
  status         text NOT NULL CHECK (status IN ('AUTHORIZED', 'CAPTURED', 'PARTIALLY_REFUNDED', 'REFUNDED', 'CANCELLED')),
  amount_minor   bigint NOT NULL CHECK (amount_minor > 0),
  captured_minor bigint NOT NULL DEFAULT 0 CHECK (captured_minor >= 0 AND captured_minor <= amount_minor),
  refunded_minor bigint NOT NULL DEFAULT 0 CHECK (refunded_minor >= 0 AND refunded_minor <= captured_minor),
  currency       char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  reference      text CHECK (length(reference) <= 128),
  card_token     text,
  card_last4     char(4) CHECK (card_last4 ~ '^[0-9]{4}$'),
  created_at     timestamptz NOT NULL,
  updated_at     timestamptz NOT NULL,
  PRIMARY KEY (merchant_id, payment_id)
);
CREATE INDEX payments_by_created ON ledger.payments (merchant_id, created_at, payment_id);

CREATE TABLE ledger.ledger_transactions (
  merchant_id text NOT NULL,
  tx_id       uuid NOT NULL,
  payment_id  uuid NOT NULL,
  kind        text NOT NULL CHECK (kind IN ('AUTHORIZE', 'CAPTURE', 'REFUND', 'CANCEL', 'ADJUSTMENT')),
  created_at  timestamptz NOT NULL,
  PRIMARY KEY (merchant_id, tx_id),
  FOREIGN KEY (merchant_id, payment_id) REFERENCES ledger.payments
);

-- amount_minor > 0 is a debit, < 0 a credit. Entries are never updated or deleted.
CREATE TABLE ledger.ledger_entries (
  merchant_id  text NOT NULL,
  entry_id     bigint GENERATED ALWAYS AS IDENTITY,
  tx_id        uuid NOT NULL,
  account_code text NOT NULL,
  currency     char(3) NOT NULL,
  amount_minor bigint NOT NULL CHECK (amount_minor <> 0),
  created_at   timestamptz NOT NULL,
  PRIMARY KEY (merchant_id, entry_id),
  FOREIGN KEY (merchant_id, tx_id) REFERENCES ledger.ledger_transactions,
  FOREIGN KEY (merchant_id, account_code, currency) REFERENCES ledger.accounts
);
CREATE INDEX ledger_entries_by_tx ON ledger.ledger_entries (merchant_id, tx_id);
CREATE INDEX ledger_entries_by_account ON ledger.ledger_entries (merchant_id, account_code, currency);

-- The database itself rejects an unbalanced transaction: checked at COMMIT (deferred), per
-- ledger transaction and currency, whatever code wrote the rows.
CREATE FUNCTION ledger.check_transaction_balanced() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  imbalance bigint;
BEGIN
  SELECT coalesce(sum(amount_minor), 0) INTO imbalance
    FROM ledger.ledger_entries
   WHERE merchant_id = NEW.merchant_id AND tx_id = NEW.tx_id AND currency = NEW.currency;
  IF imbalance <> 0 THEN
    RAISE EXCEPTION 'unbalanced ledger transaction % in %: entries sum to %', NEW.tx_id, NEW.currency, imbalance
      USING ERRCODE = 'check_violation', CONSTRAINT = 'ledger_transaction_balanced';
  END IF;
  RETURN NULL;
END
$$;

CREATE CONSTRAINT TRIGGER ledger_transaction_balanced
  AFTER INSERT ON ledger.ledger_entries
  DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION ledger.check_transaction_balanced();

CREATE FUNCTION ledger.reject_history_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'ledger entries are immutable: book a correcting transaction instead'
    USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER ledger_entries_immutable
  BEFORE UPDATE OR DELETE ON ledger.ledger_entries
  FOR EACH ROW EXECUTE FUNCTION ledger.reject_history_change();

-- Outbox (Debezium outbox pattern). aggregatetype = destination topic, aggregateid = Kafka key
-- (payment id, so per-payment order holds), payload = the event already in Confluent wire format.
CREATE TABLE ledger.outbox (
  merchant_id   text NOT NULL,
  id            uuid NOT NULL,
  aggregatetype text NOT NULL,
  aggregateid   text NOT NULL,
  type          text NOT NULL,
  payload       bytea NOT NULL,
  created_at    timestamptz NOT NULL,
  PRIMARY KEY (merchant_id, id)
);

CREATE TABLE ledger.idempotency_keys (
  merchant_id     text NOT NULL,
  idempotency_key text NOT NULL CHECK (length(idempotency_key) BETWEEN 1 AND 255),
  request_hash    bytea NOT NULL,
  response_status int,
  response_body   text,
  created_at      timestamptz NOT NULL,
  PRIMARY KEY (merchant_id, idempotency_key)
);
CREATE INDEX idempotency_keys_by_created ON ledger.idempotency_keys (created_at);

-- Row-level security: the application sees and writes only the merchant named by the
-- transaction-local setting settleflow.merchant_id.
ALTER TABLE ledger.merchants ENABLE ROW LEVEL SECURITY;
ALTER TABLE ledger.api_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE ledger.accounts ENABLE ROW LEVEL SECURITY;
ALTER TABLE ledger.payments ENABLE ROW LEVEL SECURITY;
ALTER TABLE ledger.ledger_transactions ENABLE ROW LEVEL SECURITY;
ALTER TABLE ledger.ledger_entries ENABLE ROW LEVEL SECURITY;
ALTER TABLE ledger.outbox ENABLE ROW LEVEL SECURITY;
ALTER TABLE ledger.idempotency_keys ENABLE ROW LEVEL SECURITY;

CREATE POLICY merchant_isolation ON ledger.merchants
  USING (merchant_id = current_setting('settleflow.merchant_id', true));
CREATE POLICY merchant_isolation ON ledger.api_keys
  USING (merchant_id = current_setting('settleflow.merchant_id', true));
CREATE POLICY merchant_isolation ON ledger.accounts
  USING (merchant_id = current_setting('settleflow.merchant_id', true))
  WITH CHECK (merchant_id = current_setting('settleflow.merchant_id', true));
CREATE POLICY merchant_isolation ON ledger.payments
  USING (merchant_id = current_setting('settleflow.merchant_id', true))
  WITH CHECK (merchant_id = current_setting('settleflow.merchant_id', true));
CREATE POLICY merchant_isolation ON ledger.ledger_transactions
  USING (merchant_id = current_setting('settleflow.merchant_id', true))
  WITH CHECK (merchant_id = current_setting('settleflow.merchant_id', true));
CREATE POLICY merchant_isolation ON ledger.ledger_entries
  USING (merchant_id = current_setting('settleflow.merchant_id', true))
  WITH CHECK (merchant_id = current_setting('settleflow.merchant_id', true));
CREATE POLICY merchant_isolation ON ledger.outbox
  USING (merchant_id = current_setting('settleflow.merchant_id', true))
  WITH CHECK (merchant_id = current_setting('settleflow.merchant_id', true));
CREATE POLICY merchant_isolation ON ledger.idempotency_keys
  USING (merchant_id = current_setting('settleflow.merchant_id', true))
  WITH CHECK (merchant_id = current_setting('settleflow.merchant_id', true));

-- Authentication runs before the merchant is known: a narrow SECURITY DEFINER function answers
-- "which merchant owns this key hash" and nothing else.
CREATE FUNCTION ledger.merchant_for_api_key(hash bytea) RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, ledger AS $$
  SELECT merchant_id FROM ledger.api_keys WHERE key_hash = hash AND revoked_at IS NULL
$$;
REVOKE ALL ON FUNCTION ledger.merchant_for_api_key(bytea) FROM PUBLIC;

GRANT USAGE ON SCHEMA ledger TO settleflow_app;
GRANT EXECUTE ON FUNCTION ledger.merchant_for_api_key(bytea) TO settleflow_app;
GRANT SELECT ON ledger.merchants TO settleflow_app;
GRANT SELECT, INSERT ON ledger.accounts, ledger.ledger_transactions, ledger.ledger_entries, ledger.outbox TO settleflow_app;
GRANT SELECT, INSERT, UPDATE ON ledger.payments, ledger.idempotency_keys TO settleflow_app;

-- CDC reads the outbox only.
CREATE PUBLICATION settleflow_outbox FOR TABLE ledger.outbox;
