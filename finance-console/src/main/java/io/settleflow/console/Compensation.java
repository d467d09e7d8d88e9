package io.settleflow.console;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * Booking a reconciliation difference when finance resolves an amount mismatch: a balanced
 * ADJUSTMENT between the receivable the processor owed and {@link #DIFFERENCES_ACCOUNT}, never an
 * edit of earlier entries. Its ledger transaction id is derived from the alert id, so the same
 * alert can never book twice.
 */
public final class Compensation {
  /** EXPENSE: what settlements paid short (debit) or over (credit) against the ledger. */
  public static final String DIFFERENCES_ACCOUNT = "reconciliation_differences";

  /**
   * EXPENSE: processor fees charged above (debit) or below (credit) the merchant's fee schedule,
   * booked by automatic compensation of fee deviations ({@link AutoCompensation}).
   */
  public static final String FEES_DIFFERENCE_ACCOUNT = "fees_difference";

  /** ASSET: what the card networks owe us for captured payments (ledger-db's chart). */
  public static final String RECEIVABLES_ACCOUNT = "card_receivables";

  /** The kinds whose difference is money the processor paid short or over. */
  public static final Set<String> KINDS = Set.of("AMOUNT_MISMATCH");

  public static final String FIELD = "book_difference";

  private Compensation() {}

  /** One entry: {@code amountMinor > 0} debits the account, {@code < 0} credits it. */
  public record Entry(String account, long amountMinor) {}

  /** What to book for the alert. */
  public record Plan(
      UUID txId, UUID paymentId, String merchantId, String currency, List<Entry> entries) {}

  /**
   * @throws ConsoleInputException naming {@value #FIELD} when the alert has nothing bookable
   */
  public static Plan plan(Alert a) {
    if (!KINDS.contains(a.kind())) {
      throw ConsoleInputException.invalid(FIELD, "only an amount mismatch books a difference");
    }
    if (a.merchantId() == null || a.paymentId() == null || a.currency() == null) {
      throw ConsoleInputException.invalid(
          FIELD, "the alert names no merchant, payment or currency");
    }
    Long difference = a.differenceMinor();
    if (difference == null || difference == 0) {
      throw ConsoleInputException.invalid(FIELD, "the alert has no difference to book");
    }
    return balanced(a, difference, DIFFERENCES_ACCOUNT);
  }

  /**
   * What to book for a fee deviation: the processor charged {@code feeDeltaMinor} more (positive)
   * or less (negative) than the merchant's schedule, so the receivable is settled short or over by
   * it; the difference goes to {@value #FEES_DIFFERENCE_ACCOUNT}.
   *
   * @throws ConsoleInputException naming {@value #FIELD} when the alert has nothing bookable
   */
  public static Plan feePlan(Alert a, Long feeDeltaMinor) {
    if (!"FEE_DEVIATION".equals(a.kind())) {
      throw ConsoleInputException.invalid(FIELD, "only a fee deviation books a fee difference");
    }
    if (a.merchantId() == null || a.paymentId() == null || a.currency() == null) {
      throw ConsoleInputException.invalid(
          FIELD, "the alert names no merchant, payment or currency");
    }
    if (feeDeltaMinor == null || feeDeltaMinor == 0 || feeDeltaMinor == Long.MIN_VALUE) {
      throw ConsoleInputException.invalid(FIELD, "the alert has no fee difference to book");
    }
    // a higher fee than scheduled leaves less cash than the receivable: settled short by it
    return balanced(a, -feeDeltaMinor, FEES_DIFFERENCE_ACCOUNT);
  }

  /** The ledger-db account kind of the accounts a plan books to. */
  public static String accountKind(String account) {
    return RECEIVABLES_ACCOUNT.equals(account) ? "ASSET" : "EXPENSE";
  }

  /** Settled short ({@code difference < 0}) or over, balanced between receivable and account. */
  private static Plan balanced(Alert a, long difference, String account) {
    if (difference == Long.MIN_VALUE) {
      throw ConsoleInputException.invalid(FIELD, "the difference is beyond a long");
    }
    UUID paymentId;
    try {
      paymentId = UUID.fromString(a.paymentId());
    } catch (IllegalArgumentException e) {
      throw ConsoleInputException.invalid(
          FIELD, "payment " + a.paymentId() + " is not a ledger id");
    }
    // Settled short (difference < 0): the receivable left open is written off to the differences
    // expense. Settled over: the surplus reduces it.
    long magnitude = Math.abs(difference);
    List<Entry> entries =
        difference < 0
            ? List.of(new Entry(account, magnitude), new Entry(RECEIVABLES_ACCOUNT, -magnitude))
            : List.of(new Entry(RECEIVABLES_ACCOUNT, magnitude), new Entry(account, -magnitude));
    return new Plan(txId(a.alertId()), paymentId, a.merchantId(), a.currency(), entries);
  }

  /** The ledger transaction id of an alert's booking: the same alert, the same id. */
  public static UUID txId(String alertId) {
    return UUID.nameUUIDFromBytes(
        ("settleflow-compensation:" + alertId).getBytes(StandardCharsets.UTF_8));
  }
}
