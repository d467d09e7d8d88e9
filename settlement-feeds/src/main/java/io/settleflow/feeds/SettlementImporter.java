package io.settleflow.feeds;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.settleflow.avro.SettlementRecord;
import io.settleflow.schemas.ConfluentWireFormat;
import io.settleflow.schemas.Topics;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.BitSet;
import java.util.HexFormat;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.ToLongFunction;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;

/**
 * Reads one settlement file, publishes its records to {@link Topics#SETTLEMENTS_RAW} (key
 * settlement_id, Avro in Confluent wire format) and its bad lines to {@link
 * Topics#SETTLEMENTS_REJECTED} (key {@code fileId:line}, UTF-8 JSON), and waits until the broker
 * has them all. The producer belongs to the caller (see {@link SettlementProducers}).
 *
 * <p>The format is detected from the file's first bytes unless given. A malformed file publishes
 * nothing. A file up to {@link #ONE_TRANSACTION_MAX_BYTES} is sent while it parses, in one Kafka
 * transaction that commits only when the whole file parsed (and aborts otherwise, so read_committed
 * readers see nothing of it). Streaming formats (camt, BAI2) are read in constant memory and parsed
 * once; a larger one is parsed into a spool file, which is sent in transactions of {@link
 * #CHUNK_ENTRIES} only when the whole file parsed. The file's id (SHA-256) is computed on a thread
 * of its own while the file parses, and the marker topic read on another: the first entry is sent
 * once both are known.
 *
 * <p>Every transaction carries a marker on {@link Topics#SETTLEMENTS_IMPORTS} saying how many
 * entries (records and rejections, in file order) of the file are committed (see {@link
 * ImportMarkers}). An import first reads that marker and skips the entries it covers: importing a
 * file again publishes nothing new, and an import that died mid-file resumes where its last
 * committed transaction ended, without duplicates. The producer must be transactional with its
 * transactions initialized ({@link SettlementProducers#createTransactional}).
 */
public final class SettlementImporter {
  /** Largest streamed file (camt, BAI2); memory does not grow with it, only the import time. */
  public static final long MAX_STREAMED_FILE_BYTES = 8L * 1024 * 1024 * 1024;

  /**
   * Entries per transaction. Large enough that commits cost little next to the sends, small enough
   * that a crash re-reads at most this many entries and a transaction stays far inside {@link
   * SettlementProducers#TRANSACTION_TIMEOUT_MS}.
   */
  public static final int CHUNK_ENTRIES = 20_000;

  /**
   * Largest file imported in one Kafka transaction, sending while it parses (an abort on a
   * malformed file hides every entry from read_committed readers); larger streamed files are
   * spooled first and sent in chunks of {@link #CHUNK_ENTRIES}, and so is a streamed file with a
   * statement whose balance proof fails (its records must be flagged, and they were sent before the
   * proof was known). Sized so that one transaction ends well inside {@link
   * SettlementProducers#TRANSACTION_TIMEOUT_MS} at the slowest rate measured.
   */
  public static final long ONE_TRANSACTION_MAX_BYTES = 256L * 1024 * 1024;

  /** How often (in entries) the progress callback hears from a file. */
  public static final int PROGRESS_EVERY_ENTRIES = 1_000;

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int READ_BUFFER_BYTES = 64 * 1024;
  private static final String SPOOL_PREFIX = "settleflow-import-";

  /**
   * What the parsers get as the file id: the file is hashed beside the parse, and {@link
   * #toProducerRecord} sets the real id on every record before it is encoded.
   */
  static final String FILE_ID_PENDING = "pending";

  private final Producer<String, byte[]> producer;
  private final ConfluentWireFormat wireFormat;
  private final ImportMarkers markers;
  private final SettlementFileParser fixedParser;
  private final int chunkEntries;
  private final long oneTransactionMaxBytes;
  private ImportProgress progress = ImportProgress.NONE;

  /**
   * Entries this importer committed, by import key. commitTransaction returns before the broker has
   * written the commit markers into the partitions, so a read_committed read straight after may not
   * see the marker yet; what this importer committed itself it knows without asking. (Another
   * process importing the same source first waits in initTransactions for the previous transaction
   * of that id to complete, so it does see the marker.) One entry per file imported by this
   * instance.
   */
  private final java.util.Map<String, Long> committedHere = new java.util.HashMap<>();

  /** An importer that detects each file's format (see {@link SettlementFormats#detect}). */
  public SettlementImporter(
      Producer<String, byte[]> producer, ConfluentWireFormat wireFormat, ImportMarkers markers) {
    this(producer, wireFormat, markers, null);
  }

  /** An importer that reads every file with {@code parser}; null detects the format per file. */
  public SettlementImporter(
      Producer<String, byte[]> producer,
      ConfluentWireFormat wireFormat,
      ImportMarkers markers,
      SettlementFileParser parser) {
    this(producer, wireFormat, markers, parser, CHUNK_ENTRIES, ONE_TRANSACTION_MAX_BYTES);
  }

  /**
   * With limits of its own, so tests can cross chunk boundaries with small files (files above
   * {@code oneTransactionMaxBytes} go in chunks; 0 chunks every file).
   */
  SettlementImporter(
      Producer<String, byte[]> producer,
      ConfluentWireFormat wireFormat,
      ImportMarkers markers,
      SettlementFileParser parser,
      int chunkEntries,
      long oneTransactionMaxBytes) {
    if (chunkEntries < 1) {
      throw new IllegalArgumentException("chunkEntries must be positive: " + chunkEntries);
    }
    this.producer = producer;
    this.wireFormat = wireFormat;
    this.markers = markers;
    this.fixedParser = parser;
    this.chunkEntries = chunkEntries;
    this.oneTransactionMaxBytes = oneTransactionMaxBytes;
  }

  /**
   * Where progress goes from now on (e.g. a terminal progress bar); {@link ImportProgress#NONE} by
   * default.
   */
  public SettlementImporter withProgress(ImportProgress progress) {
    this.progress = progress;
    return this;
  }

  /**
   * Imports one file, detecting its format. Returns once the broker acknowledged every record and
   * rejection.
   *
   * @param source the processor or bank the file came from (part of every record's event id)
   * @throws UnreadableFileException the file as a whole is unreadable; nothing was published
   * @throws SettlementPublishException the broker did not take every line; importing again is safe
   */
  public ImportSummary importFile(Path file, String source) throws UnreadableFileException {
    return importFile(file, source, null);
  }

  /** The same with an explicit format name ({@link SettlementFormats#names()}); null detects it. */
  public ImportSummary importFile(Path file, String source, String format)
      throws UnreadableFileException {
    try {
      return importOrFail(file, source, format);
    } catch (DigestFailed e) {
      throw e.getCause();
    }
  }

  private ImportSummary importOrFail(Path file, String source, String format)
      throws UnreadableFileException {
    long size = checkFile(file);
    SettlementFileParser parser =
        fixedParser != null
            ? fixedParser
            : format != null
                ? SettlementFormats.parser(format)
                : SettlementFormats.detect(head(file));
    // the marker topic is read while the file is read, hashed and parsed
    Background<ToLongFunction<String>> markerRead =
        new Background<>(
            "settlement-marker-read",
            cancelled ->
                markers.committedEntriesByKey(ImportMarkers.key(source, parser.format(), "")));
    String fileName = String.valueOf(file.getFileName());
    if (parser instanceof StreamingSettlementParser streaming) {
      if (size > MAX_STREAMED_FILE_BYTES) {
        throw new UnreadableFileException(
            file + " is too large: " + size + " bytes, limit " + MAX_STREAMED_FILE_BYTES);
      }
      // hashed beside the parse: the id is needed only when the first entry is encoded
      Background<String> fileId =
          new Background<>("settlement-file-hash", cancelled -> hash(file, cancelled));
      try {
        if (size <= oneTransactionMaxBytes) {
          try {
            return importStreamed(
                file, fileName, source, streaming, fileId, size, markerRead, true);
          } catch (SpoolInstead e) {
            // a statement's proof failed: aborted, nothing visible; read it again through the
            // spool, which flags that statement's records
          }
        }
        return importStreamed(file, fileName, source, streaming, fileId, size, markerRead, false);
      } finally {
        fileId.cancel(); // done, or failed: nobody waits for the hash any more
      }
    }
    if (size > SettleflowCsvParser.MAX_FILE_BYTES) {
      throw new UnreadableFileException(
          file + " is too large: " + size + " bytes, limit " + SettleflowCsvParser.MAX_FILE_BYTES);
    }
    byte[] content = readAll(file);
    Background<String> fileId =
        new Background<>("settlement-file-hash", cancelled -> SettlementIds.fileId(content));
    Publisher publisher =
        new Publisher(
            fileName,
            source,
            parser.format(),
            fileId,
            size,
            size <= oneTransactionMaxBytes,
            markerRead);
    publisher.bytesRead = () -> content.length; // read whole before the first entry
    try {
      // sends while later lines parse; whole-file checks come before the first line
      if (publisher.oneTransaction) {
        // encoded and sent on a second thread, while this one hands lines on in file order
        try (DirectSender sender = new DirectSender(publisher)) {
          publisher.directSender = sender;
          parser.parse(content, source, FILE_ID_PENDING, publisher);
          sender.finish();
        } finally {
          publisher.directSender = null;
        }
      } else {
        parser.parse(content, source, FILE_ID_PENDING, publisher);
      }
      publisher.finish();
    } catch (UnreadableFileException | RuntimeException e) {
      publisher.abandon();
      throw e;
    }
    return publisher.tally.summary(file.toString(), source, parser.format(), publisher.fileId());
  }

  /**
   * A streamed file, in one of two ways. In one transaction ({@code oneTransaction}): entries are
   * encoded and sent on a second thread while the parser reads on; the transaction commits (with
   * the done marker) only when the whole file parsed, and aborts otherwise, so a malformed file
   * leaves nothing a read_committed reader sees. A statement whose balance proof fails aborts it
   * too ({@link SpoolInstead}): its records were sent unflagged before the proof was known.
   * Otherwise (too large for one transaction, or a statement's proof failed) the file is parsed
   * whole into a spool file first, which is then sent in chunks, failed statements' records
   * flagged.
   *
   * <p>Entries used to be held back, encoded, until their statement's proof was known (up to 32
   * MiB, else the spool): {@code bench feeds} (2026-11-26, idle, 200,000 entries in statements of
   * 10,000) measured 6.3 against 7.1 µs of CPU per camt.053 entry and 3.8 against 4.6 per BAI2
   * entry without the hold, for files whose statements prove, which is what banks send.
   */
  private ImportSummary importStreamed(
      Path file,
      String fileName,
      String source,
      StreamingSettlementParser streaming,
      Background<String> fileId,
      long size,
      Background<ToLongFunction<String>> markerRead,
      boolean oneTransaction)
      throws UnreadableFileException {
    Publisher publisher =
        new Publisher(
            fileName, source, streaming.format(), fileId, size, oneTransaction, markerRead);
    Path spoolFile = null;
    try {
      // a parser may read the file twice (camt: its fast reading, then Woodstox's)
      StreamingSettlementParser.Reopenable in =
          () -> {
            CountingInputStream counting = new CountingInputStream(open(file));
            publisher.bytesRead = counting::count;
            return counting;
          };
      if (oneTransaction) {
        try (DirectSender sender = new DirectSender(publisher)) {
          publisher.directSender = sender;
          streaming.parse(in, source, FILE_ID_PENDING, publisher, new BitSet());
          sender.finish();
        } finally {
          publisher.directSender = null;
        }
      } else {
        spoolFile = Files.createTempFile(SPOOL_PREFIX, ".spool");
        try (DataOutputStream spool =
                new DataOutputStream(
                    new BufferedOutputStream(Files.newOutputStream(spoolFile), READ_BUFFER_BYTES));
            SpoolWriter writer = new SpoolWriter(publisher, spool)) {
          publisher.spoolWriter = writer;
          streaming.parse(in, source, FILE_ID_PENDING, publisher, new BitSet());
          writer.finish();
        } finally {
          publisher.spoolWriter = null;
        }
      }
      if (spoolFile != null) {
        publisher.replay(spoolFile);
      }
      publisher.finish();
    } catch (IOException e) {
      publisher.abandon();
      throw cannotRead(file, e);
    } catch (UnreadableFileException | RuntimeException e) {
      publisher.abandon();
      throw e;
    } finally {
      deleteQuietly(spoolFile);
    }
    return publisher.tally.summary(file.toString(), source, streaming.format(), publisher.fileId());
  }

  /**
   * SHA-256 of the file, read as a stream (a cheap pass: no parsing; ≈ 60 ms for 72 MiB, run beside
   * the parse). Null when cancelled: nobody asks for the value then.
   */
  private static String hash(Path file, BooleanSupplier cancelled) {
    MessageDigest sha;
    try {
      sha = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e); // every Java platform ships SHA-256
    }
    byte[] buffer = new byte[READ_BUFFER_BYTES];
    try (InputStream in = Files.newInputStream(file)) {
      for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
        if (cancelled.getAsBoolean()) {
          return null;
        }
        sha.update(buffer, 0, n);
      }
    } catch (IOException e) {
      throw new DigestFailed(cannotRead(file, e));
    }
    return HexFormat.of().formatHex(sha.digest());
  }

  /**
   * The file could not be read for its digest (on the hashing thread): thrown through the import's
   * threads as it is and out of {@link #importFile} as its {@link UnreadableFileException}.
   */
  private static final class DigestFailed extends RuntimeException {
    DigestFailed(UnreadableFileException cause) {
      super(cause.getMessage(), cause, false, false);
    }

    @Override
    public synchronized UnreadableFileException getCause() {
      return (UnreadableFileException) super.getCause();
    }
  }

  private static void deleteQuietly(Path spoolFile) {
    if (spoolFile == null) {
      return;
    }
    try {
      Files.deleteIfExists(spoolFile);
    } catch (IOException e) {
      spoolFile.toFile().deleteOnExit(); // a temp file; the next chance is the JVM's exit
    }
  }

  /**
   * Sends every entry, in one transaction or in transactions of {@link #chunkEntries} entries, each
   * closed by a marker; skips the entries an earlier import committed; remembers the first broker
   * failure. In-memory formats send as the entries come; streamed ones in one transaction through a
   * {@link DirectSender}, or else parsed once into a spool file (the encoded records, in order,
   * each with its statement ordinal and file offset) that is sent only after the whole file parsed.
   * Both set {@code statement_proof_failed} on the records of statements whose proof failed (known
   * only at each statement's end).
   */
  private final class Publisher implements ParsedLineSink {
    final ImportSummary.Tally tally = new ImportSummary.Tally();
    final AtomicReference<Exception> failure = new AtomicReference<>();
    final String fileName;
    final String source;
    final String format;
    final long totalBytes;

    /** The file's id (its digest), computed beside the parse; see {@link #fileId()}. */
    private final Background<String> fileIdTask;

    /**
     * The id and the marker key together, set once both are known: the spool writer's thread and
     * the parsing thread may both ask first, and neither may see one without the other.
     */
    private volatile Identity identity;

    private record Identity(String fileId, String markerKey) {}

    /** Entries an earlier import committed (the first this many are skipped); -1 until read. */
    private long alreadyCommitted = -1;

    private final Background<ToLongFunction<String>> markerRead;

    java.util.function.LongSupplier bytesRead = () -> 0;

    /** Streamed formats: where entries go until the whole file parsed; null sends at once. */
    SpoolWriter spoolWriter;

    /** Streamed formats in one transaction: encodes and sends on its own thread. */
    DirectSender directSender;

    /** The whole file is one transaction (no chunk commits): it is small enough. */
    final boolean oneTransaction;

    final BitSet failedProofs = new BitSet();
    int statementsEnded;

    /** Entries handed on by the parser, skipped ones included. */
    long position;

    /** Entries handed to the producer by this import. */
    long sent;

    int inTransaction;
    boolean published;

    Publisher(
        String fileName,
        String source,
        String format,
        Background<String> fileIdTask,
        long totalBytes,
        boolean oneTransaction,
        Background<ToLongFunction<String>> markerRead) {
      this.oneTransaction = oneTransaction;
      this.markerRead = markerRead;
      this.fileName = fileName;
      this.source = source;
      this.format = format;
      this.fileIdTask = fileIdTask;
      this.totalBytes = totalBytes;
    }

    /**
     * The file's id; the first call (when the first entry is encoded, or is checked against the
     * markers) waits for the hash, which runs beside the parse. Safe from any of the import's
     * threads.
     */
    String fileId() {
      return identity().fileId();
    }

    private String markerKey() {
      return identity().markerKey();
    }

    private Identity identity() {
      Identity known = identity;
      if (known == null) {
        String fileId = fileIdTask.join();
        known = new Identity(fileId, ImportMarkers.key(source, format, fileId));
        identity = known; // two threads may both get here: they make equal values
      }
      return known;
    }

    /**
     * Entries an earlier import committed; the first call waits for the marker read and the hash,
     * which run while the file is parsed. On the sending thread, or after it.
     */
    long alreadyCommitted() {
      if (alreadyCommitted < 0) {
        alreadyCommitted =
            Math.max(
                markerRead.join().applyAsLong(markerKey()),
                committedHere.getOrDefault(markerKey(), 0L));
      }
      return alreadyCommitted;
    }

    @Override
    public void accept(ParsedLine line) {
      position++;
      if (directSender != null) {
        // skipped or sent on the sender's thread: the parse does not wait for the markers
        directSender.add(line, position, bytesRead.getAsLong());
        return;
      }
      if (skipped(line, position, bytesRead.getAsLong())) {
        return;
      }
      if (spoolWriter != null) {
        // the statement still open: records never sit between statements
        spoolWriter.add(line, statementsEnded + 1, bytesRead.getAsLong());
        return;
      }
      sendAndCommit(toProducerRecord(line, fileName, fileId(), source), bytesRead.getAsLong());
    }

    /**
     * Counts the entry at {@code at} (1-based, in file order): true when an earlier import
     * committed it (skipped), false when this import takes it.
     */
    private boolean skipped(ParsedLine line, long at, long offset) {
      if (at <= alreadyCommitted()) {
        tally.skip(line);
        progressAt(at, offset);
        return true;
      }
      tally.accept(line);
      return false;
    }

    /** One entry on the direct sender's thread: skipped, or encoded and sent. */
    void sendDirect(ParsedLine line, long at, long offset) {
      if (!skipped(line, at, offset)) {
        sendEntry(toProducerRecord(line, fileName, fileId(), source), false, offset);
      }
    }

    /** Encodes one entry and appends it to the spool (on the spool writer's thread). */
    void spool(DataOutputStream spool, ParsedLine line, int statement, long offset)
        throws IOException {
      ProducerRecord<String, byte[]> record = toProducerRecord(line, fileName, fileId(), source);
      spool.writeBoolean(line instanceof ParsedRecord);
      spool.writeInt(statement);
      spool.writeLong(offset);
      spool.writeUTF(record.key());
      spool.writeInt(record.value().length);
      spool.write(record.value());
    }

    @Override
    public void warn(FileWarning warning) {
      tally.warn(warning);
    }

    @Override
    public void proofFailed(int ordinal) {
      if (directSender != null) {
        throw new SpoolInstead(); // its records are sent already, unflagged
      }
      failedProofs.set(ordinal);
    }

    @Override
    public void statementEnded(int ordinal) {
      statementsEnded = ordinal;
    }

    /**
     * Sends one spooled entry (or one from the direct sender's thread), flagged when its
     * statement's proof failed.
     */
    void sendEntry(ProducerRecord<String, byte[]> record, boolean proofFailed, long offset) {
      if (proofFailed && record.topic().equals(Topics.SETTLEMENTS_RAW)) {
        record = flagged(record);
      }
      sendAndCommit(record, offset);
    }

    /** The record again with statement_proof_failed set; rare, so decoding is cheap enough. */
    private ProducerRecord<String, byte[]> flagged(ProducerRecord<String, byte[]> record) {
      SettlementRecord flagged = wireFormat.decode(record.value(), SettlementRecord.class);
      flagged.setStatementProofFailed(true);
      return new ProducerRecord<>(
          record.topic(), record.key(), wireFormat.encode(Topics.SETTLEMENTS_RAW, flagged));
    }

    /** Sends what the parse pass spooled, in order, flagging records of failed statements. */
    void replay(Path spoolFile) throws IOException {
      try (DataInputStream in =
          new DataInputStream(
              new BufferedInputStream(Files.newInputStream(spoolFile), READ_BUFFER_BYTES))) {
        for (long i = alreadyCommitted(); i < position; i++) {
          boolean isRecord = in.readBoolean();
          int ordinal = in.readInt();
          long offset = in.readLong();
          String key = in.readUTF();
          byte[] value = in.readNBytes(in.readInt());
          String topic = isRecord ? Topics.SETTLEMENTS_RAW : Topics.SETTLEMENTS_REJECTED;
          sendEntry(new ProducerRecord<>(topic, key, value), failedProofs.get(ordinal), offset);
        }
      }
    }

    private void sendAndCommit(ProducerRecord<String, byte[]> record, long offset) {
      send(record);
      sent++;
      if (!oneTransaction && inTransaction >= chunkEntries) {
        commit(false);
      }
      progressAt(alreadyCommitted() + sent, offset);
    }

    private void progressAt(long entries, long offset) {
      if (entries % PROGRESS_EVERY_ENTRIES == 0) {
        progress.update(offset, totalBytes, entries, false);
      }
    }

    private void send(ProducerRecord<String, byte[]> record) {
      try {
        if (inTransaction == 0) {
          producer.beginTransaction();
        }
        inTransaction++;
        // failures arrive in the callback and are rethrown at the transaction's commit
        var unused =
            producer.send(
                record,
                (metadata, error) -> {
                  if (error != null) {
                    failure.compareAndSet(null, error);
                  }
                });
      } catch (KafkaException e) {
        throw failed(e);
      }
    }

    /** Commits the open transaction with a marker covering every entry up to here. */
    private void commit(boolean done) {
      try {
        // commitTransaction() fails if this send did
        var unusedMarker =
            producer.send(
                new ProducerRecord<>(
                    Topics.SETTLEMENTS_IMPORTS,
                    markerKey(),
                    ImportMarkers.value(
                        fileName, source, format, fileId(), alreadyCommitted() + sent, done)));
        producer.commitTransaction();
      } catch (KafkaException e) {
        throw failed(e);
      }
      inTransaction = 0;
      published = true;
      committedHere.merge(markerKey(), alreadyCommitted() + sent, Math::max);
      Exception error = failure.get();
      if (error != null) {
        throw failed(error);
      }
    }

    void finish() {
      if (inTransaction > 0) {
        commit(true);
      } else if (published) {
        // The last chunk ended exactly at the end of the file: say the file is done too.
        send(
            new ProducerRecord<>(
                Topics.SETTLEMENTS_IMPORTS,
                markerKey(),
                ImportMarkers.value(
                    fileName, source, format, fileId(), alreadyCommitted() + sent, true)));
        inTransaction = 0;
        try {
          producer.commitTransaction();
        } catch (KafkaException e) {
          throw failed(e);
        }
      }
      progress.update(totalBytes, totalBytes, position, true);
    }

    /** After a failure: the open chunk is aborted, so a later import resumes at the last marker. */
    void abandon() {
      if (inTransaction > 0) {
        inTransaction = 0;
        try {
          producer.abortTransaction();
        } catch (KafkaException e) {
          // Fenced or the broker is gone: the transaction times out or the next import aborts it.
        }
      }
    }

    private SettlementPublishException failed(Exception e) {
      abandon();
      if (e instanceof org.apache.kafka.common.errors.ProducerFencedException) {
        return new SettlementPublishException(
            "publishing "
                + fileName
                + " stopped: another import of source '"
                + source
                + "' took over",
            e);
      }
      return new SettlementPublishException(
          "publishing " + fileName + " failed: " + e.getMessage(), e);
    }
  }

  /**
   * A one-transaction import of a streamed file met a statement whose balance proof failed: its
   * records went out unflagged, so the transaction is aborted and the file sent through the spool.
   */
  private static final class SpoolInstead extends RuntimeException {
    SpoolInstead() {
      super(null, null, false, false);
    }
  }

  /**
   * Encodes (Avro) and sends the entries of a file in one transaction on a second thread ({@link
   * Handoff}) while the parser reads on, so parsing, encoding and the broker's round trips overlap.
   * Order is kept. A failure stops the sending and is thrown to the parser at its next entry, or by
   * {@link #finish}.
   */
  private static final class DirectSender implements AutoCloseable {
    private record Entry(ParsedLine line, long position, long offset) {}

    private final Handoff<Entry> handoff;

    DirectSender(Publisher publisher) {
      handoff =
          new Handoff<>(
              "settlement-direct-sender",
              entry -> publisher.sendDirect(entry.line(), entry.position(), entry.offset()));
    }

    void add(ParsedLine line, long position, long offset) {
      if (!handoff.add(new Entry(line, position, offset))) {
        throw Handoff.rethrow(handoff.failure());
      }
    }

    /** Waits until every entry is sent; throws what went wrong on the way. */
    void finish() {
      Throwable failure = handoff.finish();
      if (failure != null) {
        throw Handoff.rethrow(failure);
      }
    }

    /** After a parse failure too (nothing more is sent): the thread ends before the abort. */
    @Override
    public void close() {
      handoff.close();
    }
  }

  /**
   * Encodes (Avro) and spools the entries of a streamed file on a second thread ({@link Handoff})
   * while the parser reads on, so that parsing and encoding use both cores; order is kept. A
   * failure to write stops the writing and is thrown to the parser at its next entry, or by {@link
   * #finish}.
   */
  private static final class SpoolWriter implements AutoCloseable {
    private record Pending(ParsedLine line, int statement, long offset) {}

    private final Handoff<Pending> handoff;

    SpoolWriter(Publisher publisher, DataOutputStream spool) {
      handoff =
          new Handoff<>(
              "settlement-spool-writer",
              p -> {
                try {
                  publisher.spool(spool, p.line(), p.statement(), p.offset());
                } catch (IOException e) {
                  throw new UncheckedIOException(
                      "writing the import spool failed (disk full?): " + e.getMessage(), e);
                }
              });
    }

    void add(ParsedLine line, int statement, long offset) {
      if (!handoff.add(new Pending(line, statement, offset))) {
        throw Handoff.rethrow(handoff.failure());
      }
    }

    /** Waits until every entry is spooled; throws what went wrong on the way. */
    void finish() {
      Throwable failure = handoff.finish();
      if (failure != null) {
        throw Handoff.rethrow(failure);
      }
    }

    /** After a parse failure too: the thread ends before the spool file is closed. */
    @Override
    public void close() {
      handoff.close();
    }
  }

  private ProducerRecord<String, byte[]> toProducerRecord(
      ParsedLine line, String fileName, String fileId, String source) {
    if (line instanceof ParsedRecord parsedRecord) {
      SettlementRecord record = parsedRecord.record();
      record.setFileId(fileId); // the parser had FILE_ID_PENDING: the hash ran beside it
      return new ProducerRecord<>(
          Topics.SETTLEMENTS_RAW,
          record.getSettlementId(),
          wireFormat.encode(Topics.SETTLEMENTS_RAW, record));
    }
    RejectedLine rejected = (RejectedLine) line;
    return new ProducerRecord<>(
        Topics.SETTLEMENTS_REJECTED,
        fileId + ":" + rejected.lineNumber(),
        rejectionJson(fileName, fileId, source, rejected));
  }

  /**
   * The value on settlements.rejected: {file, file_id, source, line, xml_path, field, problem,
   * reason}. {@code reason} is the one line a person reads ({@code "<field>: <problem>"}); {@code
   * field} and {@code problem} are its parts, for tools that group or route rejections; {@code
   * xml_path} is set for camt entries and null otherwise.
   */
  static byte[] rejectionJson(
      String fileName, String fileId, String source, RejectedLine rejected) {
    ObjectNode node = JSON.createObjectNode();
    node.put("file", fileName);
    node.put("file_id", fileId);
    node.put("source", source);
    node.put("line", rejected.lineNumber());
    node.put("xml_path", rejected.xmlPath());
    node.put("field", rejected.field());
    node.put("problem", rejected.problem());
    node.put("reason", rejected.reason());
    return node.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static long checkFile(Path file) throws UnreadableFileException {
    try {
      if (Files.isDirectory(file)) {
        throw new UnreadableFileException(file + " is a directory, not a file");
      }
      return Files.size(file);
    } catch (IOException e) {
      throw cannotRead(file, e);
    }
  }

  private static byte[] head(Path file) throws UnreadableFileException {
    try (InputStream in = Files.newInputStream(file)) {
      return in.readNBytes(SettlementFormats.DETECT_BYTES);
    } catch (IOException e) {
      throw cannotRead(file, e);
    }
  }

  private static byte[] readAll(Path file) throws UnreadableFileException {
    try {
      return Files.readAllBytes(file);
    } catch (IOException e) {
      throw cannotRead(file, e);
    }
  }

  /** Counts the bytes the parser has taken, for progress. */
  private static final class CountingInputStream extends java.io.FilterInputStream {
    private long count;

    CountingInputStream(InputStream in) {
      super(in);
    }

    long count() {
      return count;
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      if (b >= 0) {
        count++;
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = super.read(b, off, len);
      if (n > 0) {
        count += n;
      }
      return n;
    }

    @Override
    public long skip(long n) throws IOException {
      long skipped = super.skip(n);
      count += skipped;
      return skipped;
    }
  }

  private static InputStream open(Path file) throws IOException {
    return new BufferedInputStream(Files.newInputStream(file), READ_BUFFER_BYTES);
  }

  private static UnreadableFileException cannotRead(Path file, IOException e) {
    if (e instanceof NoSuchFileException) {
      return new UnreadableFileException("no such file: " + file, e);
    }
    if (e instanceof AccessDeniedException) {
      return new UnreadableFileException("permission denied: " + file, e);
    }
    return new UnreadableFileException("cannot read " + file + ": " + e.getMessage(), e);
  }
}
