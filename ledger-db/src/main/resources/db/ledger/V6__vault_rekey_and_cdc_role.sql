-- V6 (V5 belongs to another change): (1) re-encryption of vault rows still under a retired key,
-- in bounded batches (issue 4); (2) the CDC role's privileges as a migration instead of a note
-- (issue 5).

-- (1) Vault re-encryption. The key never reaches the database, so ingest-api decrypts and seals
-- again; the database only hands out ciphertexts not under the current key and swaps them back,
-- row by row, only if the row still holds the ciphertext that was read (its nonce is random per
-- seal), so a card re-tokenized meanwhile keeps the newer row. Cross-merchant, which RLS forbids
-- every existing role: the two functions run as their own NOLOGIN role whose policy sees all rows
-- and which may change only the key id, nonce and ciphertext.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'settleflow_vault_rekey') THEN
    CREATE ROLE settleflow_vault_rekey NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
  END IF;
END
$$;
GRANT USAGE ON SCHEMA vault TO settleflow_vault_rekey;
GRANT SELECT, UPDATE (key_id, nonce, ciphertext) ON vault.card TO settleflow_vault_rekey;
CREATE POLICY rekey_every_merchant ON vault.card TO settleflow_vault_rekey
  USING (true) WITH CHECK (true);
-- The job's metric counts rows per key id; the scan order is the primary key.
CREATE INDEX card_by_key_id ON vault.card (key_id);

-- At most p_limit rows whose key is not p_current_key_id, after (p_after_merchant, p_after_token)
-- in primary-key order: a caller pages through them, so rows it cannot decrypt do not stop it.
CREATE FUNCTION vault.cards_to_rekey(
    p_current_key_id text, p_after_merchant text, p_after_token text, p_limit int)
RETURNS TABLE (merchant_id text, token text, key_id text, nonce bytea, ciphertext bytea)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, vault AS $$
BEGIN
  IF p_current_key_id IS NULL OR p_limit IS NULL OR p_limit < 1 OR p_limit > 1000 THEN
    RAISE EXCEPTION 'cards_to_rekey: current key id required, limit must be 1..1000, was %', p_limit
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  RETURN QUERY
    SELECT c.merchant_id, c.token, c.key_id, c.nonce, c.ciphertext FROM vault.card c
     WHERE c.key_id <> p_current_key_id
       AND (c.merchant_id, c.token) > (coalesce(p_after_merchant, ''), coalesce(p_after_token, ''))
     ORDER BY c.merchant_id, c.token
     LIMIT p_limit;
END
$$;
ALTER FUNCTION vault.cards_to_rekey(text, text, text, int) OWNER TO settleflow_vault_rekey;

-- Replaces each row's (key id, nonce, ciphertext) when the row still has p_old_nonces[i];
-- returns how many rows changed. Arrays of one length, at most 1000.
CREATE FUNCTION vault.rekey_cards(
    p_merchant_ids text[], p_tokens text[], p_old_nonces bytea[], p_new_key_id text,
    p_new_nonces bytea[], p_new_ciphertexts bytea[])
RETURNS int
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, vault AS $$
DECLARE
  n int := cardinality(p_merchant_ids);
  changed int;
BEGIN
  IF n IS NULL OR n > 1000 OR cardinality(p_tokens) IS DISTINCT FROM n
     OR cardinality(p_old_nonces) IS DISTINCT FROM n OR cardinality(p_new_nonces) IS DISTINCT FROM n
     OR cardinality(p_new_ciphertexts) IS DISTINCT FROM n THEN
    RAISE EXCEPTION 'rekey_cards: arrays must have one length, at most 1000'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF p_new_key_id IS NULL OR p_new_key_id !~ '^[A-Za-z0-9_.-]{1,64}$' THEN
    RAISE EXCEPTION 'rekey_cards: new key id must be 1..64 of [A-Za-z0-9_.-]'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  UPDATE vault.card c
     SET key_id = p_new_key_id, nonce = r.new_nonce, ciphertext = r.new_ciphertext
    FROM unnest(p_merchant_ids, p_tokens, p_old_nonces, p_new_nonces, p_new_ciphertexts)
         AS r(merchant_id, token, old_nonce, new_nonce, new_ciphertext)
   WHERE c.merchant_id = r.merchant_id AND c.token = r.token AND c.nonce = r.old_nonce;
  GET DIAGNOSTICS changed = ROW_COUNT;
  RETURN changed;
END
$$;
ALTER FUNCTION vault.rekey_cards(text[], text[], bytea[], text, bytea[], bytea[]) OWNER TO settleflow_vault_rekey;

-- For the metric: rows still under another key than p_key_id (all merchants).
CREATE FUNCTION vault.cards_not_under_key(p_key_id text) RETURNS bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, vault AS $$
  SELECT count(*) FROM vault.card c WHERE c.key_id <> p_key_id
$$;
ALTER FUNCTION vault.cards_not_under_key(text) OWNER TO settleflow_vault_rekey;

-- ingest-api runs the job as the application role, which holds the keys anyway: through these
-- functions it reads ciphertexts (never a PAN: the database has no key) of rows not under the key
-- it names, and can only swap a ciphertext it has just read.
REVOKE ALL ON FUNCTION vault.cards_to_rekey(text, text, text, int) FROM PUBLIC;
REVOKE ALL ON FUNCTION vault.rekey_cards(text[], text[], bytea[], text, bytea[], bytea[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION vault.cards_not_under_key(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION vault.cards_to_rekey(text, text, text, int) TO settleflow_app;
GRANT EXECUTE ON FUNCTION vault.rekey_cards(text[], text[], bytea[], text, bytea[], bytea[]) TO settleflow_app;
GRANT EXECUTE ON FUNCTION vault.cards_not_under_key(text) TO settleflow_app;

-- (2) CDC. Everything a CDC login role needs that can be granted goes to the NOLOGIN group role
-- settleflow_cdc here; LedgerSchema.grantCdcRole (run by a superuser) makes the login role a
-- member and gives it REPLICATION and BYPASSRLS,
-- role attributes that membership cannot carry (BYPASSRLS: the initial snapshot reads every
-- merchant's outbox rows).
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'settleflow_cdc') THEN
    CREATE ROLE settleflow_cdc NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
  END IF;
END
$$;
GRANT USAGE ON SCHEMA ledger TO settleflow_cdc;
GRANT SELECT ON ledger.outbox TO settleflow_cdc;
GRANT EXECUTE ON FUNCTION ledger.purge_outbox(text, timestamptz, int) TO settleflow_cdc;
