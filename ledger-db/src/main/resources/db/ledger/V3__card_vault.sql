-- Card vault: card numbers kept only AES-GCM-encrypted (by ingest-api; the database never sees a
-- key or a plaintext PAN), in a schema owned by its own role. The application role cannot read
-- or write the table; two narrow SECURITY DEFINER functions, running as the vault role, store a
-- card and answer "does this merchant hold this token" (without the ciphertext).

DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'settleflow_vault') THEN
    CREATE ROLE settleflow_vault NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
  END IF;
END
$$;

CREATE SCHEMA vault AUTHORIZATION settleflow_vault;

-- Rows are per merchant: a token another merchant stored is unknown here (422 invalid_card_token).
-- key_id names the key that encrypted the row, so keys can rotate while old rows stay readable.
CREATE TABLE vault.card (
  merchant_id text NOT NULL REFERENCES ledger.merchants,
  token       text NOT NULL CHECK (token ~ '^tok_[A-Za-z0-9_-]{1,64}$'),
  key_id      text NOT NULL CHECK (key_id ~ '^[A-Za-z0-9_.-]{1,64}$'),
  nonce       bytea NOT NULL CHECK (length(nonce) = 12),
  -- 13..19 ASCII digits plus the 16-byte GCM tag.
  ciphertext  bytea NOT NULL CHECK (length(ciphertext) BETWEEN 29 AND 35),
  last4       char(4) NOT NULL CHECK (last4 ~ '^[0-9]{4}$'),
  brand       text CHECK (brand ~ '^[a-z_]{1,32}$'),
  exp_month   int NOT NULL CHECK (exp_month BETWEEN 1 AND 12),
  exp_year    int NOT NULL CHECK (exp_year BETWEEN 2000 AND 2199),
  created_at  timestamptz NOT NULL,
  updated_at  timestamptz NOT NULL,
  PRIMARY KEY (merchant_id, token)
);
ALTER TABLE vault.card OWNER TO settleflow_vault;
ALTER TABLE vault.card ENABLE ROW LEVEL SECURITY;
-- The owner too: even the vault role's functions see only the bound merchant's cards.
ALTER TABLE vault.card FORCE ROW LEVEL SECURITY;
CREATE POLICY merchant_isolation ON vault.card
  USING (merchant_id = current_setting('settleflow.merchant_id', true))
  WITH CHECK (merchant_id = current_setting('settleflow.merchant_id', true));
REVOKE ALL ON vault.card FROM PUBLIC;
GRANT USAGE ON SCHEMA ledger TO settleflow_vault;
GRANT REFERENCES ON ledger.merchants TO settleflow_vault;

-- Stores (or, for a token the merchant already holds, re-encrypts with the current key and the
-- new expiry) one card of the merchant bound to the transaction.
CREATE FUNCTION vault.store_card(
    p_token text, p_key_id text, p_nonce bytea, p_ciphertext bytea, p_last4 text, p_brand text,
    p_exp_month int, p_exp_year int, p_now timestamptz) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, vault AS $$
DECLARE
  merchant text := current_setting('settleflow.merchant_id', true);
BEGIN
  IF merchant IS NULL OR merchant = '' THEN
    RAISE EXCEPTION 'store_card: no merchant bound to this transaction' USING ERRCODE = 'insufficient_privilege';
  END IF;
  INSERT INTO vault.card AS c (merchant_id, token, key_id, nonce, ciphertext, last4, brand, exp_month, exp_year, created_at, updated_at)
  VALUES (merchant, p_token, p_key_id, p_nonce, p_ciphertext, p_last4, p_brand, p_exp_month, p_exp_year, p_now, p_now)
  ON CONFLICT (merchant_id, token) DO UPDATE
    SET key_id = EXCLUDED.key_id, nonce = EXCLUDED.nonce, ciphertext = EXCLUDED.ciphertext,
        brand = EXCLUDED.brand, exp_month = EXCLUDED.exp_month, exp_year = EXCLUDED.exp_year,
        updated_at = EXCLUDED.updated_at;
END
$$;
ALTER FUNCTION vault.store_card(text, text, bytea, bytea, text, text, int, int, timestamptz) OWNER TO settleflow_vault;

-- What a payment needs of a token of the bound merchant: never the ciphertext.
CREATE FUNCTION vault.card_for_token(p_token text)
RETURNS TABLE (last4 char(4), brand text, exp_month int, exp_year int)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, vault AS $$
  SELECT c.last4, c.brand, c.exp_month, c.exp_year FROM vault.card c
   WHERE c.merchant_id = current_setting('settleflow.merchant_id', true) AND c.token = p_token
$$;
ALTER FUNCTION vault.card_for_token(text) OWNER TO settleflow_vault;

REVOKE ALL ON FUNCTION vault.store_card(text, text, bytea, bytea, text, text, int, int, timestamptz) FROM PUBLIC;
REVOKE ALL ON FUNCTION vault.card_for_token(text) FROM PUBLIC;
GRANT USAGE ON SCHEMA vault TO settleflow_app;
GRANT EXECUTE ON FUNCTION vault.store_card(text, text, bytea, bytea, text, text, int, int, timestamptz) TO settleflow_app;
GRANT EXECUTE ON FUNCTION vault.card_for_token(text) TO settleflow_app;

-- Readiness (GET /health/ready) asks whether the migrations the code needs are applied.
GRANT SELECT ON ledger.flyway_schema_history TO settleflow_app;
