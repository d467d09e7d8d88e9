package io.settleflow.console;

import io.settleflow.avro.MismatchAlert;
import java.time.Instant;
import java.util.regex.Pattern;

/** A mismatch alert as finance works it (one row of finance.alerts). Amounts in minor units. */
public record Alert(
    String alertId,
    String kind,
    String merchantId,
    String paymentId,
    String settlementId,
    String source,
    Long expectedAmountMinor,
    Long actualAmountMinor,
    String currency,
    AlertSeverity severity,
    AlertStatus status,
    String assignee,
    String rule,
    String detail,
    Instant detectedAt,
    Instant receivedAt,
    Instant updatedAt,
    String compensationTxId) {

  public static final int MAX_ID_CHARS = 200;
  public static final String RESOLVED_KIND = "RESOLVED";
  private static final Pattern CURRENCY = Pattern.compile("[A-Z]{3}");

  /**
   * A new OPEN alert from reconciliation's event.
   *
   * @throws IllegalArgumentException naming the field when the event cannot be stored
   */
  public static Alert fromMismatch(MismatchAlert event, Instant receivedAt) {
    String id = event.getEventId();
    if (id == null || id.isEmpty() || id.length() > MAX_ID_CHARS) {
      throw new IllegalArgumentException("event_id: must have 1.." + MAX_ID_CHARS + " chars");
    }
    String currency = event.getCurrency();
    if (currency != null && !CURRENCY.matcher(currency).matches()) {
      throw new IllegalArgumentException("currency: must be an ISO 4217 code, was " + currency);
    }
    String kind = event.getKind().name();
    Long expected = event.getExpectedAmountMinor();
    Long actual = event.getActualAmountMinor();
    AlertSeverity severity =
        AlertSeverity.of(optionalText(event, "severity"), kind, expected, actual, currency);
    // a RESOLVED finding needs no work: it arrives resolved (and resolves the alert it names)
    AlertStatus status = RESOLVED_KIND.equals(kind) ? AlertStatus.RESOLVED : AlertStatus.OPEN;
    return new Alert(
        id,
        kind,
        event.getMerchantId(),
        event.getPaymentId(),
        event.getSettlementId(),
        event.getSource(),
        expected,
        actual,
        currency,
        severity,
        status,
        null,
        event.getRule(),
        event.getDetail(),
        event.getDetectedAt(),
        receivedAt,
        receivedAt,
        null);
  }

  /**
   * The alert a RESOLVED finding settles (its {@code resolves_event_id}), if the event names one.
   */
  public static java.util.Optional<String> resolvedAlertId(MismatchAlert event) {
    return java.util.Optional.ofNullable(optionalText(event, "resolves_event_id"));
  }

  /**
   * A text field that newer MismatchAlert schemas carry and older ones lack: read by name so the
   * console reads both.
   */
  static String optionalText(MismatchAlert event, String field) {
    org.apache.avro.Schema.Field f = event.getSchema().getField(field);
    if (f == null) {
      return null;
    }
    Object value = event.get(f.pos());
    return value == null ? null : value.toString();
  }

  /** actual − expected in minor units, or null. */
  public Long differenceMinor() {
    return MajorUnits.difference(expectedAmountMinor, actualAmountMinor);
  }
}
