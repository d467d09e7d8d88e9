package io.settleflow.deploy.bench;

import io.settleflow.avro.SettlementRecord;
import io.settleflow.avro.SettlementRecordType;
import io.settleflow.feeds.SettlementIds;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;

/**
 * Large settlement files for {@code bench feeds}, written entry by entry (memory does not grow with
 * the file): settleflow CSV, camt.053.001.08 and BAI2, all carrying the same entries, every one
 * valid and every statement/account proving. Entry {@code i} is a EUR credit of {@link
 * #amountMinor(long)} for payment {@code pay_<i>}.
 */
public final class FeedFiles {
  /**
   * Entries per camt statement and per BAI2 account: real files split this way, and it keeps each
   * scope bounded.
   */
  public static final int ENTRIES_PER_STATEMENT = 10_000;

  static final String CURRENCY = "EUR";
  static final String DATE = "2026-11-25";
  static final Instant SETTLED_AT = Instant.parse(DATE + "T00:00:00Z");
  private static final String CAMT_NS = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08";
  private static final int WRITE_BUFFER_CHARS = 1 << 16;

  /**
   * The floor's file id: a SHA-256 in hex like every imported record's ({@code file_id} is the
   * file's digest). It was {@code "floor"}, which made the floor's records ~60 bytes (a third)
   * smaller than the importer's, so the floor had less to encode, send and store per record.
   */
  static final String FLOOR_FILE_ID =
      SettlementIds.fileId("floor".getBytes(StandardCharsets.UTF_8));

  /** 1.00 to 99.99 EUR, varied so amounts do not all look alike. */
  static long amountMinor(long i) {
    return 100 + (i * 7_919) % 9_900;
  }

  static String major(long minor) {
    return String.format(java.util.Locale.ROOT, "%d.%02d", minor / 100, minor % 100);
  }

  /**
   * The record the floor publishes for entry {@code i}: what the importer makes of a CSV line,
   * without parsing.
   */
  public static SettlementRecord record(String source, long i) {
    String settlementId = "bench-" + i;
    long amount = amountMinor(i);
    return SettlementRecord.newBuilder()
        .setEventId(SettlementIds.eventId(source, settlementId))
        .setSettlementId(settlementId)
        .setSource(source)
        .setFileId(FLOOR_FILE_ID)
        .setLineNumber((int) Math.min(Integer.MAX_VALUE, i + 2))
        .setRecordType(SettlementRecordType.PAYMENT)
        .setPaymentReference("pay_" + i)
        .setMerchantId("m-bench")
        .setGrossAmountMinor(amount)
        .setFeeAmountMinor(0)
        .setNetAmountMinor(amount)
        .setCurrency(CURRENCY)
        .setSettledAt(SETTLED_AT)
        .build();
  }

  public static void writeCsv(Path file, long entries) throws IOException {
    try (Writer w = writer(file)) {
      w.write(
          "settlement_id,payment_reference,merchant_id,type,gross_amount,fee_amount,net_amount,currency,settled_at\n");
      for (long i = 0; i < entries; i++) {
        String amount = major(amountMinor(i));
        w.write(
            "bench-"
                + i
                + ",pay_"
                + i
                + ",m-bench,PAYMENT,"
                + amount
                + ",0.00,"
                + amount
                + ","
                + CURRENCY
                + ","
                + DATE
                + "\n");
      }
    }
  }

  public static void writeCamt053(Path file, long entries) throws IOException {
    try (Writer w = writer(file)) {
      w.write(
          "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Document xmlns=\""
              + CAMT_NS
              + "\"><BkToCstmrStmt>\n"
              + "<GrpHdr><MsgId>BENCH</MsgId><CreDtTm>"
              + DATE
              + "T08:00:00Z</CreDtTm></GrpHdr>\n");
      for (long first = 0; first < entries; first += ENTRIES_PER_STATEMENT) {
        long end = Math.min(entries, first + ENTRIES_PER_STATEMENT);
        w.write(
            "<Stmt><Id>STMT-"
                + first / ENTRIES_PER_STATEMENT
                + "</Id>\n"
                + balance("OPBD", 0)
                + balance("CLBD", sum(first, end)));
        for (long i = first; i < end; i++) {
          w.write(
              "<Ntry><Amt Ccy=\""
                  + CURRENCY
                  + "\">"
                  + major(amountMinor(i))
                  + "</Amt><CdtDbtInd>CRDT</CdtDbtInd>"
                  + "<Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>"
                  + DATE
                  + "</Dt></BookgDt><ValDt><Dt>"
                  + DATE
                  + "</Dt></ValDt>"
                  + "<AcctSvcrRef>BR-"
                  + i
                  + "</AcctSvcrRef>"
                  + "<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>"
                  + "<NtryDtls><TxDtls><Refs><EndToEndId>pay_"
                  + i
                  + "</EndToEndId></Refs></TxDtls></NtryDtls></Ntry>\n");
        }
        w.write("</Stmt>\n");
      }
      w.write("</BkToCstmrStmt></Document>\n");
    }
  }

  public static void writeBai2(Path file, long entries) throws IOException {
    try (Writer w = writer(file)) {
      w.write("01,BENCHBANK,SETTLEFLOW,261125,0800,1,80,,2/\n");
      w.write("02,SETTLEFLOW,BENCHBANK,1,261125,0800," + CURRENCY + ",2/\n");
      long groupTotal = 0;
      long groupRecords = 2; // 02 and 98
      long accounts = 0;
      for (long first = 0; first < entries; first += ENTRIES_PER_STATEMENT) {
        long end = Math.min(entries, first + ENTRIES_PER_STATEMENT);
        long sum = sum(first, end);
        w.write("03,ACC-" + accounts + "," + CURRENCY + ",010,0,,,015," + sum + ",,/\n");
        for (long i = first; i < end; i++) {
          w.write("16,115," + amountMinor(i) + ",0,BR-" + i + ",pay_" + i + ",BENCH CREDIT/\n");
        }
        long accountTotal = sum + sum; // the 015 summary amount counts, and so do the details
        long records = end - first + 2; // 03 and 49
        w.write("49," + accountTotal + "," + records + "/\n");
        groupTotal += accountTotal;
        groupRecords += records;
        accounts++;
      }
      w.write("98," + groupTotal + "," + accounts + "," + groupRecords + "/\n");
      w.write("99," + groupTotal + ",1," + (groupRecords + 2) + "/\n");
    }
  }

  private static String balance(String code, long minor) {
    return "<Bal><Tp><CdOrPrtry><Cd>"
        + code
        + "</Cd></CdOrPrtry></Tp><Amt Ccy=\""
        + CURRENCY
        + "\">"
        + major(minor)
        + "</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>"
        + DATE
        + "</Dt></Dt></Bal>\n";
  }

  private static long sum(long first, long end) {
    long sum = 0;
    for (long i = first; i < end; i++) {
      sum += amountMinor(i);
    }
    return sum;
  }

  private static Writer writer(Path file) throws IOException {
    return new BufferedWriter(
        new java.io.OutputStreamWriter(Files.newOutputStream(file), StandardCharsets.UTF_8),
        WRITE_BUFFER_CHARS);
  }

  /** Writes a file of {@code entries} entries (one of the write methods above). */
  @FunctionalInterface
  interface Generator {
    void write(Path file, long entries) throws IOException;
  }

  private FeedFiles() {}
}
