package io.settleflow.feeds;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.settleflow.avro.SettlementRecord;
import io.settleflow.avro.SettlementRecordType;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Currency;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * BAI2 cash management balance reports: 01 file, 02 group, 03 account (with summary amounts), 16
 * transaction detail, 49/98/99 trailers, 88 continuations. Every 16 record becomes a
 * SettlementRecord; control totals and record counts are checked at account, group and file level,
 * and a mismatch refuses the file. Read line by line: memory stays flat.
 */
public final class Bai2Parser implements StreamingSettlementParser {
  public static final String FORMAT = "bai2";

  /** Block size; small enough that progress (bytes read) moves smoothly. */
  private static final int READ_BUFFER_BYTES = 8 * 1024;

  /** Longest physical record; BAI2 records are 80 characters or a little more. */
  public static final int MAX_RECORD_CHARS = 4096;

  /** Most fields in one logical record (a record and its 88 continuations). */
  public static final int MAX_FIELDS_PER_RECORD = 2000;

  /** Longest amount in digits; 18 digits always fit a long. */
  public static final int MAX_AMOUNT_DIGITS = 18;

  private static final Pattern AMOUNT = Pattern.compile("[+-]?\\d{1," + MAX_AMOUNT_DIGITS + "}");
  private static final Pattern TYPE_CODE = Pattern.compile("\\d{3}");
  private static final Pattern DATE = Pattern.compile("\\d{6}");
  private static final TypeCodes TYPE_CODES = TypeCodes.load();

  @Override
  public String format() {
    return FORMAT;
  }

  @Override
  public void parse(
      InputStream content, String source, String fileId, ParsedLineSink sink, BitSet failedProofs)
      throws UnreadableFileException, IOException {
    if (source == null || source.isBlank()) {
      throw new IllegalArgumentException("source must name the processor or bank");
    }
    // BAI2 is ASCII; read as Latin-1 (each byte one char), so a stray accent in a text field
    // cannot stop a file. Bytes are read in blocks: a Reader's read() per character was the
    // largest cost of parsing.
    Run run = new Run(source, fileId, sink, failedProofs);
    byte[] buffer = new byte[READ_BUFFER_BYTES];
    StringBuilder line = new StringBuilder();
    int lineNumber = 0;
    boolean any = false;
    int n;
    while ((n = content.read(buffer)) >= 0) {
      for (int i = 0; i < n; i++) {
        char c = (char) (buffer[i] & 0xff);
        if (c == '\n') {
          lineNumber++;
          any = true;
          run.physical(lineNumber, stripLineEnd(line));
          line.setLength(0);
        } else {
          if (line.length() >= MAX_RECORD_CHARS) {
            throw new UnreadableFileException(
                "line " + (lineNumber + 1) + ": longer than " + MAX_RECORD_CHARS + " characters");
          }
          line.append(c);
        }
      }
    }
    if (!line.isEmpty()) {
      lineNumber++;
      any = true;
      run.physical(lineNumber, stripLineEnd(line));
    }
    if (!any) {
      throw new UnreadableFileException("empty file: no 01 file header");
    }
    run.end();
  }

  private static String stripLineEnd(StringBuilder line) {
    int end = line.length();
    while (end > 0 && (line.charAt(end - 1) == '\r')) {
      end--;
    }
    return line.substring(0, end);
  }

  /** One logical record: a physical record and its 88 continuations. */
  private record Logical(int line, String code, List<String> fields, int physicalRecords) {}

  private static final class Run {
    private final String source;
    private final String fileId;
    private final ParsedLineSink sink;
    private final EntryOccurrences occurrences = new EntryOccurrences();
    private Logical pending;
    private int lastRecordLine;

    private boolean fileOpen;
    private boolean fileClosed;
    private long fileTotal;
    private int fileGroups;
    private int fileRecords;

    private boolean groupOpen;
    private Currency groupCurrency;
    private LocalDate asOfDate;
    private long groupTotal;
    private int groupAccounts;
    private int groupRecords;

    private Account account;

    /** Accounts begun so far in the file: the ordinal of the current one. */
    private int accounts;

    private final BitSet failedProofs;

    Run(String source, String fileId, ParsedLineSink sink, BitSet failedProofs) {
      this.source = source;
      this.fileId = fileId;
      this.sink = sink;
      this.failedProofs = failedProofs;
    }

    void physical(int line, String text) throws UnreadableFileException {
      String record = text.strip();
      if (record.isEmpty()) {
        return; // blank lines and padding between records carry nothing
      }
      lastRecordLine = line;
      if (record.endsWith("/")) {
        record = record.substring(0, record.length() - 1).stripTrailing();
      }
      List<String> fields = split(record);
      String code = fields.get(0);
      if (code.equals("88")) {
        if (pending == null) {
          throw new UnreadableFileException(
              "line " + line + ": an 88 continuation with no record before it");
        }
        List<String> merged = new ArrayList<>(pending.fields());
        merged.addAll(fields.subList(1, fields.size()));
        if (merged.size() > MAX_FIELDS_PER_RECORD) {
          throw new UnreadableFileException(
              "line " + line + ": a record of more than " + MAX_FIELDS_PER_RECORD + " fields");
        }
        pending =
            new Logical(pending.line(), pending.code(), merged, pending.physicalRecords() + 1);
        return;
      }
      if (!List.of("01", "02", "03", "16", "49", "98", "99").contains(code)) {
        throw new UnreadableFileException(
            "line "
                + line
                + ": record code "
                + ReasonText.quote(code)
                + " is not a BAI2 record (01, 02, 03, 16, 49, 88, 98, 99)");
      }
      flush();
      if (fileClosed) {
        throw new UnreadableFileException("line " + line + ": data after the 99 file trailer");
      }
      pending = new Logical(line, code, fields, 1);
    }

    void end() throws UnreadableFileException {
      flush();
      if (!fileClosed) {
        throw new UnreadableFileException(
            "line " + lastRecordLine + ": file ends without its 99 file trailer (truncated?)");
      }
    }

    private void flush() throws UnreadableFileException {
      if (pending == null) {
        return;
      }
      Logical r = pending;
      pending = null;
      if (!fileOpen && !r.code().equals("01")) {
        throw new UnreadableFileException(
            "line " + r.line() + ": a BAI2 file starts with an 01 file header, not " + r.code());
      }
      fileRecords += r.physicalRecords();
      if (groupOpen) {
        groupRecords += r.physicalRecords();
      }
      if (account != null) {
        account.records += r.physicalRecords();
      }
      switch (r.code()) {
        case "01" -> fileHeader(r);
        case "02" -> groupHeader(r);
        case "03" -> accountHeader(r);
        case "16" -> detail(r);
        case "49" -> accountTrailer(r);
        case "98" -> groupTrailer(r);
        default -> fileTrailer(r);
      }
    }

    private void fileHeader(Logical r) throws UnreadableFileException {
      if (fileOpen) {
        throw new UnreadableFileException("line " + r.line() + ": a second 01 file header");
      }
      fileOpen = true;
      String version = field(r, 8);
      if (!version.isEmpty() && !version.equals("2")) {
        throw new UnreadableFileException(
            "line "
                + r.line()
                + ": version "
                + ReasonText.quote(version)
                + " is not BAI version 2");
      }
    }

    private void groupHeader(Logical r) throws UnreadableFileException {
      if (groupOpen) {
        throw new UnreadableFileException(
            "line " + r.line() + ": 02 group header before the previous group's 98 trailer");
      }
      groupOpen = true;
      groupRecords = r.physicalRecords();
      groupTotal = 0;
      groupAccounts = 0;
      asOfDate = date(r, field(r, 4));
      String currency = field(r, 6);
      groupCurrency = currency.isEmpty() ? null : currency(r, currency);
    }

    private void accountHeader(Logical r) throws UnreadableFileException {
      if (!groupOpen) {
        throw new UnreadableFileException("line " + r.line() + ": 03 account outside a group");
      }
      if (account != null) {
        throw new UnreadableFileException(
            "line " + r.line() + ": 03 account before the previous account's 49 trailer");
      }
      String number = field(r, 1);
      String currencyText = field(r, 2);
      Currency currency =
          !currencyText.isEmpty()
              ? currency(r, currencyText)
              : groupCurrency != null
                  ? groupCurrency
                  : Currency.getInstance(
                      "USD"); // BAI2's default when neither account nor group names one
      account = new Account(r.line(), number, currency);
      accounts++;
      account.records = r.physicalRecords();
      occurrences.reset();
      // Summary items: type code, amount, item count, funds type (+ its own fields).
      List<String> f = r.fields();
      int i = 3;
      while (i < f.size()) {
        String code = f.get(i);
        long amount = amount(r, i + 1 < f.size() ? f.get(i + 1) : "");
        account.total = Math.addExact(account.total, amount);
        if (code.equals("010")) {
          account.openingLedger = amount;
        } else if (code.equals("015")) {
          account.closingLedger = amount;
        }
        i = afterFundsType(r, f, i + 3);
      }
    }

    private void detail(Logical r) throws UnreadableFileException {
      if (account == null) {
        throw new UnreadableFileException(
            "line " + r.line() + ": 16 transaction detail outside an account");
      }
      List<String> f = r.fields();
      String code = field(r, 1);
      long amount = amount(r, field(r, 2));
      account.total = Math.addExact(account.total, amount);
      int i = afterFundsType(r, f, 3);
      String bankReference = i < f.size() ? f.get(i).strip() : "";
      String customerReference = i + 1 < f.size() ? f.get(i + 1).strip() : "";
      String text = i + 2 < f.size() ? String.join(",", f.subList(i + 2, f.size())).strip() : "";

      int direction;
      if (!TYPE_CODE.matcher(code).matches()) {
        sink.accept(
            new RejectedLine(
                r.line(),
                "type_code: " + ReasonText.quote(code) + " is not a 3-digit BAI2 type code"));
        return;
      }
      int numeric = Integer.parseInt(code);
      if (numeric >= 100 && numeric <= 399) {
        direction = 1;
      } else if (numeric >= 400 && numeric <= 699) {
        direction = -1;
      } else {
        sink.accept(
            new RejectedLine(
                r.line(),
                "type_code: " + code + " is neither a credit (100-399) nor a debit (400-699)"));
        return;
      }
      long signed = direction * amount;
      account.details = Math.addExact(account.details, signed);

      String key =
          account.number
              + ":"
              + asOfDate
              + ":"
              + (bankReference.isEmpty()
                  ? code
                      + ":"
                      + SettlementIds.contentKey(
                          code, Long.toString(amount), customerReference, text)
                  : bankReference);
      String settlementId = occurrences.identify(key);
      String paymentReference =
          customerReference.isEmpty()
                  || customerReference.length() > SettleflowCsvParser.MAX_ID_CHARS
              ? null
              : customerReference;
      SettlementRecord record =
          SettlementRecord.newBuilder()
              .setEventId(SettlementIds.eventId(source, settlementId))
              .setSettlementId(settlementId)
              .setSource(source)
              .setFileId(fileId)
              .setLineNumber(r.line())
              .setRecordType(TYPE_CODES.type(code, direction > 0))
              .setPaymentReference(paymentReference)
              .setMerchantId(null)
              .setGrossAmountMinor(signed)
              .setFeeAmountMinor(0)
              .setNetAmountMinor(signed)
              .setCurrency(account.currency.getCurrencyCode())
              .setSettledAt(asOfDate.atStartOfDay(ZoneOffset.UTC).toInstant())
              .setStatementProofFailed(failedProofs.get(accounts))
              .setBatchId(null) // set, so build() looks up no default
              .build();
      sink.accept(new ParsedRecord(r.line(), record));
    }

    private void accountTrailer(Logical r) throws UnreadableFileException {
      if (account == null) {
        throw new UnreadableFileException(
            "line " + r.line() + ": 49 account trailer without an 03 account");
      }
      check(r, "account " + account.number, "control total", amount(r, field(r, 1)), account.total);
      check(r, "account " + account.number, "record count", count(r, field(r, 2)), account.records);
      if (account.openingLedger != null && account.closingLedger != null) {
        long expected = account.openingLedger + account.details;
        if (expected != account.closingLedger) {
          sink.warn(
              new FileWarning(
                  account.line,
                  "account "
                      + account.number
                      + ": balance proof failed: opening ledger (010) "
                      + SettlementValues.majorText(account.openingLedger, account.currency)
                      + " + details "
                      + SettlementValues.majorText(account.details, account.currency)
                      + " = "
                      + SettlementValues.majorText(expected, account.currency)
                      + " "
                      + account.currency.getCurrencyCode()
                      + ", but closing ledger (015) is "
                      + SettlementValues.majorText(account.closingLedger, account.currency)));
          sink.proofFailed(accounts);
        }
      } else {
        sink.warn(
            new FileWarning(
                account.line,
                "account "
                    + account.number
                    + ": no balance proof: the account lacks "
                    + (account.openingLedger == null
                        ? "an opening ledger (010)"
                        : "a closing ledger (015)")
                    + " summary"));
      }
      sink.statementEnded(accounts);
      groupTotal = Math.addExact(groupTotal, account.total);
      groupAccounts++;
      account = null;
    }

    private void groupTrailer(Logical r) throws UnreadableFileException {
      if (!groupOpen || account != null) {
        throw new UnreadableFileException(
            "line "
                + r.line()
                + ": 98 group trailer "
                + (groupOpen ? "inside an open account" : "without an 02 group"));
      }
      check(r, "group", "control total", amount(r, field(r, 1)), groupTotal);
      check(r, "group", "account count", count(r, field(r, 2)), groupAccounts);
      check(r, "group", "record count", count(r, field(r, 3)), groupRecords);
      fileTotal = Math.addExact(fileTotal, groupTotal);
      fileGroups++;
      groupOpen = false;
    }

    private void fileTrailer(Logical r) throws UnreadableFileException {
      if (groupOpen) {
        throw new UnreadableFileException(
            "line " + r.line() + ": 99 file trailer inside an open group");
      }
      check(r, "file", "control total", amount(r, field(r, 1)), fileTotal);
      check(r, "file", "group count", count(r, field(r, 2)), fileGroups);
      check(r, "file", "record count", count(r, field(r, 3)), fileRecords);
      fileClosed = true;
    }

    private static void check(Logical r, String scope, String what, long declared, long actual)
        throws UnreadableFileException {
      if (declared != actual) {
        throw new UnreadableFileException(
            "line "
                + r.line()
                + ": "
                + scope
                + " "
                + what
                + " is "
                + declared
                + " but the records add up to "
                + actual);
      }
    }

    /** The index after a funds type and its own fields (S: 3 amounts, V: date+time, D: n pairs). */
    private static int afterFundsType(Logical r, List<String> f, int at)
        throws UnreadableFileException {
      String funds = at < f.size() ? f.get(at).strip() : "";
      int next = at + 1;
      switch (funds) {
        case "S" -> next += 3;
        case "V" -> next += 2;
        case "D" -> {
          long n = count(r, next < f.size() ? f.get(next) : "");
          if (n > MAX_FIELDS_PER_RECORD) {
            throw new UnreadableFileException(
                "line " + r.line() + ": funds distribution of " + n + " parts");
          }
          next += 1 + 2 * (int) n;
        }
        case "", "0", "1", "2", "Z" -> {
          // no fields of its own
        }
        default ->
            throw new UnreadableFileException(
                "line "
                    + r.line()
                    + ": funds type "
                    + ReasonText.quote(funds)
                    + " is not 0, 1, 2, S, V, D or Z");
      }
      return next;
    }

    private static String field(Logical r, int index) {
      return index < r.fields().size() ? r.fields().get(index).strip() : "";
    }

    private static long amount(Logical r, String text) throws UnreadableFileException {
      String t = text.strip();
      if (t.isEmpty()) {
        return 0; // an omitted amount is zero
      }
      if (!AMOUNT.matcher(t).matches()) {
        throw new UnreadableFileException(
            "line "
                + r.line()
                + ": amount "
                + ReasonText.quote(t)
                + " is not a whole number of minor units; the control totals cannot be checked");
      }
      return Long.parseLong(t);
    }

    private static long count(Logical r, String text) throws UnreadableFileException {
      long n = amount(r, text);
      if (n < 0) {
        throw new UnreadableFileException(
            "line " + r.line() + ": count " + ReasonText.quote(text) + " is negative");
      }
      return n;
    }

    private static LocalDate date(Logical r, String text) throws UnreadableFileException {
      if (!DATE.matcher(text).matches()) {
        throw new UnreadableFileException(
            "line " + r.line() + ": as-of date " + ReasonText.quote(text) + " is not YYMMDD");
      }
      int yy = Integer.parseInt(text.substring(0, 2));
      try {
        // BAI2 years have two digits; 70-99 are the 1900s
        return LocalDate.of(
            yy < 70 ? 2000 + yy : 1900 + yy,
            Integer.parseInt(text.substring(2, 4)),
            Integer.parseInt(text.substring(4, 6)));
      } catch (java.time.DateTimeException e) {
        throw new UnreadableFileException(
            "line " + r.line() + ": as-of date " + ReasonText.quote(text) + " is not a date");
      }
    }

    private static Currency currency(Logical r, String text) throws UnreadableFileException {
      try {
        return SettlementValues.currency(text);
      } catch (InvalidValueException e) {
        throw new UnreadableFileException("line " + r.line() + ": currency " + e.getMessage());
      }
    }

    private static List<String> split(String record) {
      List<String> fields = new ArrayList<>();
      int start = 0;
      for (int i = 0; i < record.length(); i++) {
        if (record.charAt(i) == ',') {
          fields.add(record.substring(start, i));
          start = i + 1;
        }
      }
      fields.add(record.substring(start));
      return fields;
    }
  }

  private static final class Account {
    final int line;
    final String number;
    final Currency currency;
    long total;
    long details;
    int records;
    Long openingLedger;
    Long closingLedger;

    Account(int line, String number, Currency currency) {
      this.line = line;
      this.number = number;
      this.currency = currency;
    }
  }

  /** The type-code table, loaded from {@code bai2-type-codes.yaml}. */
  record TypeCodes(
      @JsonProperty("credit_default") SettlementRecordType creditDefault,
      @JsonProperty("debit_default") SettlementRecordType debitDefault,
      @JsonProperty("codes") Map<String, SettlementRecordType> codes) {
    static TypeCodes load() {
      try (InputStream in = Bai2Parser.class.getResourceAsStream("bai2-type-codes.yaml")) {
        return new ObjectMapper(new YAMLFactory()).readValue(in, TypeCodes.class);
      } catch (IOException e) {
        throw new UncheckedIOException("bai2-type-codes.yaml unreadable", e);
      }
    }

    SettlementRecordType type(String code, boolean credit) {
      return codes.getOrDefault(code, credit ? creditDefault : debitDefault);
    }
  }
}
