package io.settleflow.feeds;

import java.util.regex.Pattern;

/** Quotes a file's own values inside rejection reasons, safely. */
public final class ReasonText {
  /** Longest quoted value; a reason stays one short line whatever the file holds. */
  public static final int MAX_QUOTED_CHARS = 40;

  // 13+ digits in a row could be a card number (PAN); a reason is published, so never echo one.
  private static final Pattern LONG_DIGIT_RUN = Pattern.compile("\\d{13,}");
  private static final Pattern CONTROL = Pattern.compile("\\p{Cntrl}");

  /** The value in single quotes, truncated, with control characters and long digit runs masked. */
  public static String quote(String value) {
    String shown =
        value.length() > MAX_QUOTED_CHARS ? value.substring(0, MAX_QUOTED_CHARS) + "…" : value;
    shown = CONTROL.matcher(shown).replaceAll("?");
    shown = LONG_DIGIT_RUN.matcher(shown).replaceAll(m -> "#".repeat(m.group().length()));
    return "'" + shown + "'";
  }

  /** {@code text} with digit runs that could be a card number masked; reasons pass through it. */
  public static String maskLongDigitRuns(String text) {
    return LONG_DIGIT_RUN.matcher(text).replaceAll(m -> "#".repeat(m.group().length()));
  }

  private ReasonText() {}
}
