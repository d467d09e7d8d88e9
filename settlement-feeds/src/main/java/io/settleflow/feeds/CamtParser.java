package io.settleflow.feeds;

import com.ctc.wstx.exc.WstxLazyException;
import com.ctc.wstx.stax.WstxInputFactory;
import io.settleflow.avro.SettlementRecord;
import io.settleflow.avro.SettlementRecordType;
import java.io.CharConversionException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Currency;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import org.codehaus.stax2.XMLInputFactory2;

/**
 * ISO 20022 bank-to-customer statements (camt.053.001.02 to .08) and debit/credit notifications
 * (camt.054.001.02 to .08), read with StAX one {@code Ntry} at a time, so memory stays flat however
 * long the statement. See the module README for the field mapping, types and the balance proof.
 */
public final class CamtParser implements StreamingSettlementParser {
  public static final String FORMAT = "camt";

  /** Deepest element nesting accepted; real camt files nest about 12 deep. */
  public static final int MAX_XML_DEPTH = 64;

  /** Longest statement id used in settlement ids (ISO allows 35). */
  public static final int MAX_STATEMENT_ID_CHARS = 140;

  private static final String ISO_PREFIX = "urn:iso:std:iso:20022:tech:xsd:";
  static final Pattern NAMESPACE =
      Pattern.compile("urn:iso:std:iso:20022:tech:xsd:camt\\.(053|054)\\.001\\.0([2-8])");
  private static final Set<String> FEE_SUB_FAMILIES = Set.of("CHRG", "COMM", "FEES");
  private static final String NOT_PROVIDED = "NOTPROVIDED";

  private static final XMLInputFactory XML = secureFactory();

  // The paths the parser asks of entries, transactions, charges and balances.
  private static final XmlElement.Path AMT = XmlElement.Path.of("Amt");
  private static final XmlElement.Path CDT_DBT_IND = XmlElement.Path.of("CdtDbtInd");
  private static final XmlElement.Path STS = XmlElement.Path.of("Sts");
  private static final XmlElement.Path STS_CD = XmlElement.Path.of("Sts/Cd");
  private static final XmlElement.Path ACCT_SVCR_REF = XmlElement.Path.of("AcctSvcrRef");
  private static final XmlElement.Path TX_DETAILS = XmlElement.Path.of("NtryDtls/TxDtls");
  private static final XmlElement.Path BOOKING_DATE = XmlElement.Path.of("BookgDt/Dt");
  private static final XmlElement.Path BOOKING_DATE_TIME = XmlElement.Path.of("BookgDt/DtTm");
  private static final XmlElement.Path VALUE_DATE = XmlElement.Path.of("ValDt/Dt");
  private static final XmlElement.Path VALUE_DATE_TIME = XmlElement.Path.of("ValDt/DtTm");
  private static final XmlElement.Path NTRY_REF = XmlElement.Path.of("NtryRef");
  private static final XmlElement.Path ADDTL_NTRY_INF = XmlElement.Path.of("AddtlNtryInf");
  private static final XmlElement.Path CHRGS = XmlElement.Path.of("Chrgs");
  private static final XmlElement.Path TX_AMT = XmlElement.Path.of("AmtDtls/TxAmt/Amt");
  private static final XmlElement.Path RCRD = XmlElement.Path.of("Rcrd");
  private static final XmlElement.Path CHRG_INCL_IND = XmlElement.Path.of("ChrgInclInd");
  private static final XmlElement.Path TTL_CHRGS = XmlElement.Path.of("TtlChrgsAndTaxAmt");
  private static final XmlElement.Path BALANCE_CODE = XmlElement.Path.of("Tp/CdOrPrtry/Cd");
  private static final XmlElement.Path RVSL_IND = XmlElement.Path.of("RvslInd");
  private static final XmlElement.Path RTR_INF = XmlElement.Path.of("RtrInf");
  private static final XmlElement.Path DOMAIN = XmlElement.Path.of("BkTxCd/Domn");
  private static final XmlElement.Path DOMAIN_CODE = XmlElement.Path.of("BkTxCd/Domn/Cd");
  private static final XmlElement.Path SUB_FAMILY =
      XmlElement.Path.of("BkTxCd/Domn/Fmly/SubFmlyCd");
  private static final XmlElement.Path END_TO_END_ID = XmlElement.Path.of("Refs/EndToEndId");
  private static final XmlElement.Path TX_ID = XmlElement.Path.of("Refs/TxId");
  private static final XmlElement.Path USTRD = XmlElement.Path.of("RmtInf/Ustrd");
  private static final XmlElement.Path CDTR_REF = XmlElement.Path.of("RmtInf/Strd/CdtrRefInf/Ref");

  /** A bank transaction code: domain and sub-family decide a record's type. */
  static final XmlElement.Shape BANK_TRANSACTION_CODE =
      XmlElement.Shape.of(
          "Domn",
          XmlElement.Shape.of(
              "Cd",
              XmlElement.Shape.LEAF,
              "Fmly",
              XmlElement.Shape.of("SubFmlyCd", XmlElement.Shape.LEAF)));

  /**
   * What the parser reads of an {@code Ntry} (see {@link Run#entry}, {@link #type}, {@link
   * #paymentReference}, {@link Run#charges}): everything else (parties, agents, card data, related
   * dates and prices, ...) is skipped while scanning, never built. {@code Chrgs} is kept whole.
   */
  static final XmlElement.Shape NTRY_SHAPE =
      XmlElement.Shape.indexed(
          "Amt",
          XmlElement.Shape.LEAF,
          "CdtDbtInd",
          XmlElement.Shape.LEAF,
          "RvslInd",
          XmlElement.Shape.LEAF,
          "Sts",
          XmlElement.Shape.of("Cd", XmlElement.Shape.LEAF),
          "BookgDt",
          XmlElement.Shape.of("Dt", XmlElement.Shape.LEAF, "DtTm", XmlElement.Shape.LEAF),
          "ValDt",
          XmlElement.Shape.of("Dt", XmlElement.Shape.LEAF, "DtTm", XmlElement.Shape.LEAF),
          "AcctSvcrRef",
          XmlElement.Shape.LEAF,
          "NtryRef",
          XmlElement.Shape.LEAF,
          "AddtlNtryInf",
          XmlElement.Shape.LEAF,
          "BkTxCd",
          BANK_TRANSACTION_CODE,
          "Chrgs",
          XmlElement.Shape.ALL,
          "NtryDtls",
          XmlElement.Shape.of(
              "TxDtls",
              XmlElement.Shape.indexed(
                  "Amt",
                  XmlElement.Shape.LEAF,
                  "CdtDbtInd",
                  XmlElement.Shape.LEAF,
                  "AmtDtls",
                  XmlElement.Shape.of("TxAmt", XmlElement.Shape.of("Amt", XmlElement.Shape.LEAF)),
                  "Refs",
                  XmlElement.Shape.of(
                      "EndToEndId", XmlElement.Shape.LEAF, "TxId", XmlElement.Shape.LEAF),
                  "RmtInf",
                  XmlElement.Shape.of(
                      "Ustrd",
                      XmlElement.Shape.LEAF,
                      "Strd",
                      XmlElement.Shape.of(
                          "CdtrRefInf", XmlElement.Shape.of("Ref", XmlElement.Shape.LEAF))),
                  "Chrgs",
                  XmlElement.Shape.ALL,
                  "RtrInf",
                  XmlElement.Shape.LEAF,
                  "BkTxCd",
                  BANK_TRANSACTION_CODE)));

  @Override
  public String format() {
    return FORMAT;
  }

  /** Woodstox only: a stream read once leaves no way back when the fast reading gives up. */
  @Override
  public void parse(
      InputStream content, String source, String fileId, ParsedLineSink sink, BitSet failedProofs)
      throws UnreadableFileException, IOException {
    checkSource(source);
    XmlCursor reader;
    try {
      reader = woodstox(content);
    } catch (XMLStreamException e) {
      throw notXml(e);
    }
    read(reader, source, fileId, sink, failedProofs);
  }

  /** Woodstox over the caller's stream, which no reader closes at the end of the document. */
  static XmlCursor woodstox(InputStream content) throws XMLStreamException {
    return XmlCursor.of(
        XML.createXMLStreamReader(
            new FilterInputStream(content) {
              @Override
              public void close() {}
            }));
  }

  /**
   * Reads with {@link Utf8XmlCursor} first, which handles the plain UTF-8 subset statements are
   * written in at about half the CPU; when the file leaves that subset (or is not well-formed),
   * reads it again with Woodstox, whose lines up to where the first reading stopped are the ones
   * already handed to the sink and are not handed on twice.
   */
  @Override
  public void parse(
      Reopenable content, String source, String fileId, ParsedLineSink sink, BitSet failedProofs)
      throws UnreadableFileException, IOException {
    checkSource(source);
    ResumingSink first = new ResumingSink(sink, 0);
    try (InputStream in = content.open()) {
      read(new Utf8XmlCursor(in), source, fileId, first, failedProofs);
      return;
    } catch (Utf8XmlCursor.OffSubset e) {
      // Woodstox reads it again below, from the start
    }
    try (InputStream in = content.open()) {
      parse(in, source, fileId, new ResumingSink(sink, first.passed), failedProofs);
    }
  }

  private static void checkSource(String source) {
    if (source == null || source.isBlank()) {
      throw new IllegalArgumentException("source must name the processor or bank");
    }
  }

  private static void read(
      XmlCursor reader, String source, String fileId, ParsedLineSink sink, BitSet failedProofs)
      throws UnreadableFileException, IOException {
    try {
      try {
        new Run(reader, source, fileId, sink, failedProofs).read();
      } catch (WstxLazyException e) {
        // Woodstox decodes text lazily and reports what it cannot decode unchecked: bytes that are
        // not UTF-8 past its first buffer came out of the importer as a stack trace
        throw (XMLStreamException) e.getCause();
      }
    } catch (XMLStreamException e) {
      // bytes that are not UTF-8 are a broken file, not a failure to read it
      if (e.getNestedException() instanceof IOException io
          && !(io instanceof CharConversionException)) {
        throw io;
      }
      throw notXml(e);
    } finally {
      try {
        reader.close();
      } catch (XMLStreamException e) {
        // closing a reader does not close the stream and cannot lose data
      }
    }
  }

  /**
   * Passes calls on after dropping the first {@code skip} (a first reading made them), counting
   * what it passes: how many calls a second reading must not repeat.
   */
  private static final class ResumingSink implements ParsedLineSink {
    private final ParsedLineSink sink;
    private long skip;
    long passed;

    ResumingSink(ParsedLineSink sink, long skip) {
      this.sink = sink;
      this.skip = skip;
    }

    private boolean pass() {
      if (skip > 0) {
        skip--;
        return false;
      }
      passed++;
      return true;
    }

    @Override
    public void accept(ParsedLine line) {
      if (pass()) {
        sink.accept(line);
      }
    }

    @Override
    public void warn(FileWarning warning) {
      if (pass()) {
        sink.warn(warning);
      }
    }

    @Override
    public void proofFailed(int ordinal) {
      if (pass()) {
        sink.proofFailed(ordinal);
      }
    }

    @Override
    public void statementEnded(int ordinal) {
      if (pass()) {
        sink.statementEnded(ordinal);
      }
    }
  }

  /** The state of one file's parse. */
  private static final class Run {
    private final XmlCursor reader;
    private final String source;
    private final String fileId;
    private final ParsedLineSink sink;
    private final BitSet failedProofs;
    private final EntryOccurrences occurrences = new EntryOccurrences();
    private boolean notification;
    private String statementName;

    /** The current statement's proof failed (known from an earlier pass): flag its records. */
    private boolean flagRecords;

    /** Runs the steps below on the entry-building thread, in order. */
    private Handoff<Step> builder;

    /**
     * The last currency code read and its currency (files use one or two): no lookup per entry.
     * Null before the first: an empty or missing code is looked up (and refused) like any other.
     */
    private String lastCurrencyCode;

    private Currency lastCurrency;

    /** The last booking date read and its instant. */
    private String lastDateText = "";

    private Instant lastDate;

    Run(XmlCursor reader, String source, String fileId, ParsedLineSink sink, BitSet failedProofs) {
      this.reader = reader;
      this.source = source;
      this.fileId = fileId;
      this.sink = sink;
      this.failedProofs = failedProofs;
    }

    void read() throws XMLStreamException, UnreadableFileException {
      if (!toFirstElement()) {
        throw new UnreadableFileException("not a camt file: no XML root element");
      }
      String root = reader.localName();
      String namespace = reader.namespaceUri();
      Matcher m = NAMESPACE.matcher(namespace);
      if (!root.equals("Document") || !m.matches()) {
        String shown =
            namespace.startsWith(ISO_PREFIX)
                ? "ISO 20022 " + ReasonText.quote(namespace.substring(ISO_PREFIX.length()))
                : namespace.isEmpty() ? "(none)" : ReasonText.quote(namespace);
        throw new UnreadableFileException(
            "not a camt.053/camt.054 file (versions 001.02 to 001.08): root element "
                + root
                + " in namespace "
                + shown);
      }
      notification = m.group(1).equals("054");
      String messageName = notification ? "BkToCstmrDbtCdtNtfctn" : "BkToCstmrStmt";
      statementName = notification ? "Ntfctn" : "Stmt";

      int statements;
      // This thread scans the XML; entries are built, proven and handed to the sink on another, in
      // file order (measured: the scan about 60 % of the parse, the building 40 %).
      try (Handoff<Step> builder = new Handoff<>("camt-entry-builder", Step::run)) {
        this.builder = builder;
        try {
          statements = scan(root, messageName);
        } catch (Utf8XmlCursor.OffSubset e) {
          // What was handed on is a prefix of what Woodstox will read: it must all reach the sink
          // (the second reading skips as many calls), unless building it failed.
          Throwable failure = builder.finish();
          if (failure != null) {
            throw stopped(failure);
          }
          throw e;
        }
        Throwable failure = builder.finish();
        if (failure != null) {
          throw stopped(failure);
        }
      }
      if (statements == 0) {
        throw new UnreadableFileException(
            "not a camt."
                + (notification ? "054" : "053")
                + " file: no "
                + statementName
                + " element in "
                + messageName);
      }
    }

    /** Scans the document below the root, handing statements and entries on; the statements. */
    private int scan(String root, String messageName)
        throws XMLStreamException, UnreadableFileException {
      Deque<String> path = new ArrayDeque<>();
      path.push(root);
      Statement statement = null;
      int statements = 0;
      while (reader.hasNext()) {
        int event = reader.next();
        if (event == XMLStreamConstants.DTD) {
          throw new UnreadableFileException("not a camt file: a DOCTYPE is not allowed");
        }
        if (event == XMLStreamConstants.START_ELEMENT) {
          String name = reader.localName();
          if (statement != null && path.size() == statement.depth) {
            Statement s = statement;
            switch (name) {
              case "Ntry" -> {
                XmlElement ntry = XmlElement.read(reader, NTRY_SHAPE);
                build(() -> entry(ntry, s));
                continue;
              }
              case "Id" -> {
                String id = bounded(XmlElement.read(reader).text());
                build(() -> s.id = id);
                continue;
              }
              case "Bal" -> {
                XmlElement bal = XmlElement.read(reader);
                build(() -> s.balance(bal));
                continue;
              }
              default -> {
                // other statement fields (account, dates, pagination) are not needed
              }
            }
          }
          path.push(name);
          if (path.size() > MAX_XML_DEPTH) {
            throw new UnreadableFileException(
                "not a camt file: elements nested deeper than " + MAX_XML_DEPTH);
          }
          if (statement == null
              && path.size() == 3
              && name.equals(statementName)
              && messageName.equals(parent(path))) {
            statements++;
            statement = new Statement(reader.line(), path.size(), statements);
            int ordinal = statements;
            build(
                () -> {
                  occurrences.reset();
                  flagRecords = !notification && failedProofs.get(ordinal);
                });
          }
        } else if (event == XMLStreamConstants.END_ELEMENT) {
          if (statement != null && path.size() == statement.depth) {
            Statement s = statement;
            build(() -> finish(s));
            statement = null;
          }
          path.pop();
        }
      }
      return statements;
    }

    /** Hands a step to the entry-building thread; stops the scan once that thread failed. */
    private void build(Step step) throws UnreadableFileException {
      if (!builder.add(step)) {
        throw stopped(builder.failure());
      }
    }

    private static RuntimeException stopped(Throwable failure) throws UnreadableFileException {
      if (failure instanceof UnreadableFileException e) {
        throw e;
      }
      throw Handoff.rethrow(failure);
    }

    private Currency currency(String code) throws InvalidValueException {
      if (!code.equals(lastCurrencyCode)) {
        lastCurrency = SettlementValues.currency(code);
        lastCurrencyCode = code;
      }
      return lastCurrency;
    }

    /** Booking date (or date-time), else value date: the day the bank settled the entry. */
    private Instant bookingTime(XmlElement ntry) throws InvalidValueException {
      for (XmlElement.Path path : BOOKING_TIME_PATHS) {
        String text = ntry.text(path);
        if (!text.isEmpty()) {
          if (!text.equals(lastDateText)) {
            lastDate = SettlementValues.settledAt(text);
            lastDateText = text;
          }
          return lastDate;
        }
      }
      throw new InvalidValueException("missing, and no ValDt either");
    }

    private boolean toFirstElement() throws XMLStreamException, UnreadableFileException {
      while (reader.hasNext()) {
        int event = reader.next();
        if (event == XMLStreamConstants.DTD) {
          throw new UnreadableFileException("not a camt file: a DOCTYPE is not allowed");
        }
        if (event == XMLStreamConstants.START_ELEMENT) {
          return true;
        }
      }
      return false;
    }

    private static String parent(Deque<String> path) {
      var it = path.iterator();
      it.next();
      return it.next();
    }

    /**
     * Where the current entry is, for a rejection: {@code /Document/BkToCstmrStmt/Stmt[2]/Ntry[5]}.
     */
    private String entryPath(Statement statement) {
      return "/Document/"
          + (notification ? "BkToCstmrDbtCdtNtfctn" : "BkToCstmrStmt")
          + "/"
          + statementName
          + "["
          + statement.index
          + "]/Ntry["
          + statement.entries
          + "]";
    }

    private void entry(XmlElement ntry, Statement statement) throws UnreadableFileException {
      statement.entries++;
      int line = ntry.line;
      String column = "Ntry/Amt";
      try {
        Currency currency = currency(ntry.currency(AMT));
        long amountMinor = unsignedAmount(ntry.text(AMT), currency);
        column = "Ntry/CdtDbtInd";
        long signedMinor = signed(ntry.text(CDT_DBT_IND), amountMinor);
        column = "Ntry/Sts";
        String status = ntry.text(STS).isEmpty() ? ntry.text(STS_CD) : ntry.text(STS);
        if (!status.equals("BOOK")) {
          throw new InvalidValueException(
              status.isEmpty() ? "empty" : ReasonText.quote(status) + " entry is not booked");
        }
        statement.add(currency, signedMinor);
        column = "Ntry/BookgDt";
        Instant settledAt = bookingTime(ntry);

        String reference = ntry.text(ACCT_SVCR_REF);
        List<XmlElement> details = ntry.all(TX_DETAILS);
        String key =
            statement.key()
                + ":"
                + (reference.isEmpty()
                    ? SettlementIds.contentKey(
                        currency.getCurrencyCode(),
                        Long.toString(signedMinor),
                        ntry.text(BOOKING_DATE) + ntry.text(BOOKING_DATE_TIME),
                        ntry.text(VALUE_DATE) + ntry.text(VALUE_DATE_TIME),
                        ntry.text(NTRY_REF),
                        ntry.text(ADDTL_NTRY_INF),
                        detailsFingerprint(details))
                    : reference);
        String settlementId = occurrences.identify(key);

        column = "Ntry/NtryDtls";
        List<Long> split = split(details, currency, signedMinor);
        if (split == null) {
          XmlElement detail = details.size() == 1 ? details.get(0) : null;
          String paymentReference =
              detail != null ? paymentReference(detail) : commonReference(details);
          column = "Ntry/Chrgs";
          long feeMinor =
              ntry.first(CHRGS) == null && detail != null
                  ? charges(detail, "Ntry/NtryDtls/TxDtls/Chrgs", currency)
                  : charges(ntry, column, currency);
          sink.accept(
              record(
                  line,
                  settlementId,
                  type(ntry, detail),
                  paymentReference,
                  signedMinor,
                  feeMinor,
                  currency,
                  settledAt));
          return;
        }
        List<Long> fees = new ArrayList<>(details.size());
        column = "Ntry/NtryDtls/TxDtls/Chrgs";
        for (XmlElement d : details) {
          fees.add(charges(d, column, currency));
        }
        for (int i = 0; i < details.size(); i++) {
          XmlElement d = details.get(i);
          sink.accept(
              record(
                  d.line,
                  SettlementIds.bounded(settlementId + ":" + (i + 1)),
                  type(ntry, d),
                  paymentReference(d),
                  split.get(i),
                  fees.get(i),
                  currency,
                  settledAt));
        }
      } catch (InvalidValueException e) {
        if (column.equals("Ntry/Amt") || column.equals("Ntry/CdtDbtInd")) {
          statement.unreadable++;
        }
        String field = e.column() != null ? e.column() : column;
        sink.accept(new RejectedLine(line, field + ": " + e.getMessage(), entryPath(statement)));
      }
    }

    /**
     * The amounts of a batch entry's transactions, when every one has an amount in the entry's
     * currency; null when the entry is one record (one or no TxDtls, or details without amounts).
     */
    private static List<Long> split(List<XmlElement> details, Currency currency, long entryMinor)
        throws InvalidValueException {
      if (details.size() < 2) {
        return null;
      }
      List<Long> amounts = new ArrayList<>(details.size());
      long sum = 0;
      for (XmlElement d : details) {
        XmlElement.Path path = !d.text(AMT).isEmpty() ? AMT : TX_AMT;
        if (d.text(path).isEmpty()
            || !d.currency(path).equalsIgnoreCase(currency.getCurrencyCode())) {
          return null;
        }
        long minor = unsignedAmount(d.text(path), currency);
        String indicator = d.text(CDT_DBT_IND);
        long signedMinor =
            indicator.isEmpty() ? (entryMinor < 0 ? -minor : minor) : signed(indicator, minor);
        amounts.add(signedMinor);
        sum = Math.addExact(sum, signedMinor);
      }
      if (sum != entryMinor) {
        throw new InvalidValueException(
            "transaction amounts sum to "
                + SettlementValues.majorText(sum, currency)
                + ", the entry amount is "
                + SettlementValues.majorText(entryMinor, currency));
      }
      return amounts;
    }

    /**
     * The charges taken from an entry's (or a transaction's) amount, in minor units: the {@code
     * Amt} of each charge ({@code Chrgs/Amt} in .02/.03, {@code Chrgs/Rcrd/Amt} from .04), positive
     * when debited (the default) and negative when credited (a rebate), leaving out pre-advised
     * charges ({@code ChrgInclInd} false: not taken from this amount). {@code TtlChrgsAndTaxAmt}
     * counts only when no single charge is given. 0 without {@code Chrgs}.
     */
    static long charges(XmlElement owner, String path, Currency currency)
        throws InvalidValueException {
      long feeMinor = 0;
      for (XmlElement chrgs : owner.all(CHRGS)) {
        List<XmlElement> records = chrgs.all(RCRD);
        if (!records.isEmpty()) {
          for (XmlElement r : records) {
            if (!r.text(CHRG_INCL_IND).equalsIgnoreCase("false")) {
              feeMinor = addCharge(feeMinor, charge(r, path + "/Rcrd", currency));
            }
          }
        } else if (chrgs.first(AMT) != null) {
          feeMinor = addCharge(feeMinor, charge(chrgs, path, currency));
        } else if (chrgs.first(TTL_CHRGS) != null) {
          feeMinor =
              addCharge(
                  feeMinor, chargeAmount(chrgs, TTL_CHRGS, path + "/TtlChrgsAndTaxAmt", currency));
        }
      }
      return feeMinor;
    }

    /** One charge's {@code Amt}, signed as a fee: debited (or no indicator) +, credited −. */
    private static long charge(XmlElement charge, String path, Currency currency)
        throws InvalidValueException {
      long minor = chargeAmount(charge, AMT, path + "/Amt", currency);
      return switch (charge.text(CDT_DBT_IND)) {
        case "", "DBIT" -> minor;
        case "CRDT" -> -minor;
        default ->
            throw new InvalidValueException(
                path + "/CdtDbtInd",
                ReasonText.quote(charge.text(CDT_DBT_IND)) + " is not CRDT or DBIT");
      };
    }

    private static long chargeAmount(
        XmlElement charge, XmlElement.Path element, String path, Currency currency)
        throws InvalidValueException {
      String ccy = charge.currency(element);
      if (!ccy.equalsIgnoreCase(currency.getCurrencyCode())) {
        throw new InvalidValueException(
            path,
            "charge in "
                + (ccy.isEmpty() ? "no currency" : ReasonText.quote(ccy))
                + ", the entry is in "
                + currency.getCurrencyCode());
      }
      try {
        return unsignedAmount(charge.text(element), currency);
      } catch (InvalidValueException e) {
        throw new InvalidValueException(path, e.getMessage());
      }
    }

    private static long addCharge(long feeMinor, long chargeMinor) throws InvalidValueException {
      try {
        return Math.addExact(feeMinor, chargeMinor);
      } catch (ArithmeticException e) {
        throw new InvalidValueException("charges add up beyond the largest amount");
      }
    }

    private ParsedRecord record(
        int line,
        String settlementId,
        SettlementRecordType type,
        String paymentReference,
        long amountMinor,
        long feeMinor,
        Currency currency,
        Instant settledAt)
        throws InvalidValueException {
      long grossMinor;
      try {
        grossMinor = Math.addExact(amountMinor, feeMinor);
      } catch (ArithmeticException e) {
        throw new InvalidValueException("amount plus charges beyond the largest amount");
      }
      return new ParsedRecord(
          line,
          SettlementRecord.newBuilder()
              .setEventId(SettlementIds.eventId(source, settlementId))
              .setSettlementId(settlementId)
              .setSource(source)
              .setFileId(fileId)
              .setLineNumber(line)
              .setRecordType(type)
              .setPaymentReference(paymentReference)
              .setMerchantId(null)
              .setGrossAmountMinor(grossMinor)
              .setFeeAmountMinor(feeMinor)
              .setNetAmountMinor(amountMinor)
              .setCurrency(currency.getCurrencyCode())
              .setSettledAt(settledAt)
              .setStatementProofFailed(flagRecords)
              .setBatchId(null) // set, so build() looks up no default
              .build());
    }

    private void finish(Statement statement) {
      prove(statement);
      sink.statementEnded(statement.index);
    }

    private void prove(Statement statement) {
      if (notification) {
        return; // notifications carry no balances to prove
      }
      String problem = statement.proofProblem();
      if (problem != null) {
        sink.warn(new FileWarning(statement.line, "statement " + statement.key() + ": " + problem));
        if (problem.startsWith(PROOF_FAILED)) {
          sink.proofFailed(statement.index);
        }
      }
    }
  }

  /** One statement's balances and the sum of its booked entries, per currency. */
  private static final class Statement {
    final int line;
    final int depth;
    final int index;
    String id = "";
    Balance opening;
    Balance previousClosing;
    Balance closing;
    String balanceProblem;

    /** Ntry elements seen so far in the statement: the index of the current one. */
    int entries;

    final Map<String, Long> entriesMinor = new LinkedHashMap<>();
    int unreadable;

    Statement(int line, int depth, int index) {
      this.line = line;
      this.depth = depth;
      this.index = index;
    }

    /** The statement's part of its entries' settlement ids. */
    String key() {
      return id.isEmpty() ? "statement-" + index : id;
    }

    /** Entries of the statement's first currency, summed without a map lookup. */
    private Currency firstCurrency;

    private long firstCurrencyMinor;

    void add(Currency currency, long signedMinor) {
      if (firstCurrency == null) {
        firstCurrency = currency;
      }
      if (currency == firstCurrency) {
        firstCurrencyMinor = Math.addExact(firstCurrencyMinor, signedMinor);
      } else {
        entriesMinor.merge(currency.getCurrencyCode(), signedMinor, Math::addExact);
      }
    }

    void balance(XmlElement bal) {
      String code = bal.text(BALANCE_CODE);
      if (!Set.of("OPBD", "PRCD", "CLBD").contains(code)) {
        return; // available and interim balances are not part of the proof
      }
      try {
        Currency currency = SettlementValues.currency(bal.currency(AMT));
        long minor = signed(bal.text(CDT_DBT_IND), unsignedAmount(bal.text(AMT), currency));
        Balance b = new Balance(code, currency, minor);
        switch (code) {
          case "OPBD" -> opening = opening == null ? b : opening;
          case "PRCD" -> previousClosing = previousClosing == null ? b : previousClosing;
          default -> closing = closing == null ? b : closing;
        }
      } catch (InvalidValueException e) {
        balanceProblem =
            "balance " + code + " at line " + bal.line + " unreadable: " + e.getMessage();
      }
    }

    /** Null when opening + booked entries = closing; else why not, in one line. */
    String proofProblem() {
      if (balanceProblem != null) {
        return "no balance proof: " + balanceProblem;
      }
      Balance start = opening != null ? opening : previousClosing;
      if (start == null || closing == null) {
        return "no balance proof: the statement lacks "
            + (start == null ? "an OPBD or PRCD" : "a CLBD")
            + " balance";
      }
      String currency = start.currency.getCurrencyCode();
      if (!closing.currency.equals(start.currency)) {
        return PROOF_FAILED
            + start.code
            + " is in "
            + currency
            + ", CLBD in "
            + closing.currency.getCurrencyCode();
      }
      if (firstCurrency != null && !firstCurrency.getCurrencyCode().equals(currency)) {
        return PROOF_FAILED
            + "an entry is in "
            + firstCurrency.getCurrencyCode()
            + ", the balances in "
            + currency;
      }
      for (String entryCurrency : entriesMinor.keySet()) {
        if (!entryCurrency.equals(currency)) {
          return PROOF_FAILED + "an entry is in " + entryCurrency + ", the balances in " + currency;
        }
      }
      if (unreadable > 0) {
        return "no balance proof: "
            + unreadable
            + " entr"
            + (unreadable == 1 ? "y has" : "ies have")
            + " no readable amount";
      }
      long entries = firstCurrency == null ? 0 : firstCurrencyMinor; // the only currency here
      long expected = start.minor + entries;
      if (expected == closing.minor) {
        return null;
      }
      return PROOF_FAILED
          + start.code
          + " "
          + SettlementValues.majorText(start.minor, start.currency)
          + " + booked entries "
          + SettlementValues.majorText(entries, start.currency)
          + " = "
          + SettlementValues.majorText(expected, start.currency)
          + " "
          + currency
          + ", but CLBD is "
          + SettlementValues.majorText(closing.minor, closing.currency);
    }
  }

  /**
   * How a failed proof's reason starts. Only a failed proof flags records; a proof that cannot be
   * made (a balance missing or unreadable) is a warning alone, as many banks omit balances.
   */
  static final String PROOF_FAILED = "balance proof failed: ";

  private record Balance(String code, Currency currency, long minor) {}

  /** A camt amount: unsigned decimal in major units, the sign is in CdtDbtInd. */
  private static long unsignedAmount(String text, Currency currency) throws InvalidValueException {
    if (text.startsWith("-") || text.startsWith("+")) {
      throw new InvalidValueException(
          ReasonText.quote(text) + " is signed; camt amounts are unsigned with CdtDbtInd");
    }
    return SettlementValues.amountMinor(text, currency);
  }

  private static long signed(String indicator, long minor) throws InvalidValueException {
    return switch (indicator) {
      case "CRDT" -> minor;
      case "DBIT" -> -minor;
      case "" -> throw new InvalidValueException("empty");
      default ->
          throw new InvalidValueException(ReasonText.quote(indicator) + " is not CRDT or DBIT");
    };
  }

  private static final List<XmlElement.Path> BOOKING_TIME_PATHS =
      List.of(BOOKING_DATE_TIME, BOOKING_DATE, VALUE_DATE_TIME, VALUE_DATE);

  /** One step of a file's parse that runs on the entry-building thread. */
  @FunctionalInterface
  private interface Step {
    void run() throws UnreadableFileException;
  }

  /**
   * The record type: a reversal by RvslInd; returns, cancellations, unpaid direct debits and
   * charges by bank transaction code sub-family; other payments are PAYMENT, the rest OTHER.
   */
  static SettlementRecordType type(XmlElement ntry, XmlElement detail) {
    if (ntry.text(RVSL_IND).equalsIgnoreCase("true")) {
      return SettlementRecordType.REVERSAL;
    }
    if (detail != null && detail.first(RTR_INF) != null) {
      return SettlementRecordType.REFUND;
    }
    XmlElement codes = detail != null && detail.first(DOMAIN) != null ? detail : ntry;
    String domain = codes.text(DOMAIN_CODE);
    String subFamily = codes.text(SUB_FAMILY);
    if (subFamily.equals("RRTN")) {
      return SettlementRecordType.REFUND;
    }
    if (subFamily.equals("RPCR")) {
      return SettlementRecordType.REVERSAL;
    }
    if (subFamily.equals("UPDD")) {
      return SettlementRecordType.CHARGEBACK;
    }
    if (FEE_SUB_FAMILIES.contains(subFamily)) {
      return SettlementRecordType.FEE;
    }
    return domain.isEmpty() || domain.equals("PMNT")
        ? SettlementRecordType.PAYMENT
        : SettlementRecordType.OTHER;
  }

  /** End-to-end id, else creditor reference, else the first unstructured remittance line. */
  static String paymentReference(XmlElement detail) {
    for (XmlElement.Path path : PAYMENT_REFERENCE_PATHS) {
      String text = detail.text(path);
      if (!text.isEmpty()
          && !text.equals(NOT_PROVIDED)
          && text.length() <= SettleflowCsvParser.MAX_ID_CHARS
          && !hasControlCharacter(text)) {
        return text;
      }
    }
    return null;
  }

  private static final List<XmlElement.Path> PAYMENT_REFERENCE_PATHS =
      List.of(END_TO_END_ID, CDTR_REF, USTRD);

  /** A loop, not {@code chars().noneMatch}: this runs for every entry, and the stream allocated. */
  private static boolean hasControlCharacter(String text) {
    for (int i = 0; i < text.length(); i++) {
      if (Character.isISOControl(text.charAt(i))) {
        return true;
      }
    }
    return false;
  }

  /** A batch entry's reference when all its transactions share one, else none. */
  private static String commonReference(List<XmlElement> details) {
    String common = null;
    for (XmlElement d : details) {
      String ref = paymentReference(d);
      if (ref == null || (common != null && !common.equals(ref))) {
        return null;
      }
      common = ref;
    }
    return common;
  }

  private static String detailsFingerprint(List<XmlElement> details) {
    StringBuilder out = new StringBuilder();
    for (XmlElement d : details) {
      out.append(d.text(END_TO_END_ID))
          .append('|')
          .append(d.text(TX_ID))
          .append('|')
          .append(d.text(USTRD))
          .append('|')
          .append(d.text(CDTR_REF))
          .append(';');
    }
    return out.toString();
  }

  private static String bounded(String statementId) {
    return statementId.length() <= MAX_STATEMENT_ID_CHARS
        ? statementId
        : SettlementIds.contentKey(statementId);
  }

  private static UnreadableFileException notXml(XMLStreamException e) {
    var where = e.getLocation();
    String message = String.valueOf(e.getMessage());
    // The JDK prefixes "ParseError at [row,col]:[r,c]\nMessage: "; keep the message line only.
    int at = message.indexOf("Message: ");
    message = at >= 0 ? message.substring(at + "Message: ".length()) : message;
    message = message.lines().findFirst().orElse("").strip();
    if (message.length() > 200) {
      message = message.substring(0, 200) + "…";
    }
    return new UnreadableFileException(
        "not well-formed XML"
            + (where == null ? "" : " at line " + where.getLineNumber())
            + ": "
            + message,
        e);
  }

  /**
   * Woodstox, created explicitly (not through the JDK's service lookup, so the classpath cannot
   * swap in another implementation): it scans camt about twice as cheaply as the JDK's StAX reader,
   * which was ~60 % of a camt import's CPU. Hardened the same way: no DTDs, no external entities.
   */
  private static XMLInputFactory secureFactory() {
    XMLInputFactory factory = new WstxInputFactory();
    // No DTDs and no external entities: a statement file must not make us read other files or URLs.
    factory.setProperty(XMLInputFactory.SUPPORT_DTD, false);
    factory.setProperty(XMLInputFactory.IS_SUPPORTING_EXTERNAL_ENTITIES, false);
    factory.setProperty(XMLInputFactory.IS_REPLACING_ENTITY_REFERENCES, false);
    factory.setProperty(XMLInputFactory.IS_NAMESPACE_AWARE, true);
    factory.setProperty(XMLInputFactory.IS_COALESCING, false);
    // Woodstox's default, set because XmlElement compares names by identity (XmlCursor#localName)
    factory.setProperty(XMLInputFactory2.P_INTERN_NAMES, true);
    return factory;
  }
}
