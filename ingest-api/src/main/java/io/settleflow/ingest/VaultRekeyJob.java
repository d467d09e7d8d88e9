package io.settleflow.ingest;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.settleflow.ledger.VaultCiphertext;
import io.settleflow.ledger.VaultRekeyStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Re-encrypts vault rows still sealed under an old key with the current key, after a rotation
 * ({@code SETTLEFLOW_VAULT_KEY} lists the new key first, the old ones after it). One run pages
 * through every merchant's rows not under the current key in batches of {@code batchRows}, at most
 * {@code maxBatchesPerRun} batches; each batch is read, resealed here (the key never reaches the
 * database) and swapped back in its own short transaction, only where the row still holds what was
 * read (a card re-tokenized meanwhile keeps its newer row). So a run is idempotent, can stop
 * anywhere, and the next one resumes with what is left; two instances may run at once.
 *
 * <p>Rows whose key is no longer configured, or that do not decrypt, are skipped and counted (never
 * logged with any content). Metrics: {@code vault_cards_pending_rekey} (rows not under the current
 * key after the last run; -1 before the first), {@code vault_cards_rekeyed_total}, {@code
 * vault_cards_rekey_failed_total}.
 */
public final class VaultRekeyJob {
  /** What one run did. */
  public record Outcome(long rekeyed, long skippedChanged, long failed, long remaining) {}

  private final CardVault vault;
  private final VaultRekeyStore store;
  private final int batchRows;
  private final int maxBatchesPerRun;
  private final AtomicLong pending = new AtomicLong(-1);
  private final Counter rekeyed;
  private final Counter failed;

  public VaultRekeyJob(
      CardVault vault,
      VaultRekeyStore store,
      int batchRows,
      int maxBatchesPerRun,
      MeterRegistry metrics) {
    if (batchRows < 1 || batchRows > VaultRekeyStore.MAX_BATCH_ROWS || maxBatchesPerRun < 1) {
      throw new IllegalArgumentException(
          "batchRows must be 1.." + VaultRekeyStore.MAX_BATCH_ROWS + ", maxBatchesPerRun ≥ 1");
    }
    this.vault = vault;
    this.store = store;
    this.batchRows = batchRows;
    this.maxBatchesPerRun = maxBatchesPerRun;
    Gauge.builder("vault.cards.pending.rekey", pending, AtomicLong::get)
        .description("Vault rows not under the current key after the last re-encryption run")
        .register(metrics);
    rekeyed =
        Counter.builder("vault.cards.rekeyed")
            .description("Vault rows re-encrypted under the current key")
            .register(metrics);
    failed =
        Counter.builder("vault.cards.rekey.failed")
            .description("Vault rows skipped: their key is not configured or they do not decrypt")
            .register(metrics);
  }

  /** One bounded run; updates the pending gauge from the database afterwards. */
  public Outcome runOnce() {
    String current = vault.currentKeyId();
    Optional<VaultCiphertext> after = Optional.empty();
    long done = 0;
    long changed = 0;
    long broken = 0;
    for (int batch = 0; batch < maxBatchesPerRun; batch++) {
      List<VaultCiphertext> rows = store.cardsToRekey(current, after, batchRows);
      List<VaultCiphertext> read = new ArrayList<>(rows.size());
      List<VaultCiphertext> resealed = new ArrayList<>(rows.size());
      for (VaultCiphertext row : rows) {
        try {
          resealed.add(vault.reseal(row));
          read.add(row);
        } catch (IllegalStateException e) {
          broken++;
        }
      }
      int swapped = store.replace(read, resealed);
      done += swapped;
      changed += read.size() - swapped;
      if (rows.size() < batchRows) {
        break;
      }
      after = Optional.of(rows.get(rows.size() - 1));
    }
    rekeyed.increment((double) done);
    failed.increment((double) broken);
    long remaining = store.countNotUnder(current);
    pending.set(remaining);
    return new Outcome(done, changed, broken, remaining);
  }
}
