package io.settleflow.feeds;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.settleflow.avro.SettlementRecord;
import io.settleflow.schemas.ConfluentWireFormat;
import io.settleflow.schemas.Topics;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;

/**
 * Reads one settlement file, publishes its records to {@link Topics#SETTLEMENTS_RAW} (key
 * settlement_id, Avro in Confluent wire format) and its bad lines to
 * {@link Topics#SETTLEMENTS_REJECTED} (key {@code fileId:line}, UTF-8 JSON), and waits until the
 * broker has them all. The producer belongs to the caller (see {@link SettlementProducers}).
 *
 * <p>The format is detected from the file's first bytes unless given. Streaming formats (camt,
 * BAI2) are read twice in constant memory: once to hash and validate the whole file, so a
 * malformed file publishes nothing, then once to publish.
 */
public final class SettlementImporter {
  /** Largest streamed file (camt, BAI2); memory does not grow with it, only the import time. */
  public static final long MAX_STREAMED_FILE_BYTES = 8L * 1024 * 1024 * 1024;

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int READ_BUFFER_BYTES = 64 * 1024;

  private final Producer<String, byte[]> producer;
  private final ConfluentWireFormat wireFormat;
  private final SettlementFileParser fixedParser;

  /** An importer that detects each file's format (see {@link SettlementFormats#detect}). */
  public SettlementImporter(Producer<String, byte[]> producer, ConfluentWireFormat wireFormat) {
    this(producer, wireFormat, null);
  }

  /** An importer that reads every file with {@code parser}; null detects the format per file. */
  public SettlementImporter(
      Producer<String, byte[]> producer, ConfluentWireFormat wireFormat, SettlementFileParser parser) {
    this.producer = producer;
    this.wireFormat = wireFormat;
    this.fixedParser = parser;
  }

  /**
   * Imports one file, detecting its format. Returns once the broker acknowledged every record
   * and rejection.
   *
   * @param source the processor or bank the file came from (part of every record's event id)
   * @throws UnreadableFileException the file as a whole is unreadable; nothing was published
   * @throws SettlementPublishException the broker did not take every line; importing again is safe
   */
  public ImportSummary importFile(Path file, String source) throws UnreadableFileException {
    return importFile(file, source, null);
  }

  /** The same with an explicit format name ({@link SettlementFormats#names()}); null detects it. */
  public ImportSummary importFile(Path file, String source, String format) throws UnreadableFileException {
    long size = checkFile(file);
    SettlementFileParser parser =
        fixedParser != null ? fixedParser
            : format != null ? SettlementFormats.parser(format)
            : SettlementFormats.detect(head(file));
    String fileName = String.valueOf(file.getFileName());
    Publisher publisher = new Publisher(fileName, source);
    String fileId;
    if (parser instanceof StreamingSettlementParser streaming) {
      if (size > MAX_STREAMED_FILE_BYTES) {
        throw new UnreadableFileException(file + " is too large: " + size + " bytes, limit " + MAX_STREAMED_FILE_BYTES);
      }
      fileId = validateAndHash(file, streaming, source);
      publisher.fileId = fileId;
      try (InputStream in = open(file)) {
        streaming.parse(in, source, fileId, publisher);
      } catch (IOException e) {
        throw cannotRead(file, e);
      }
    } else {
      if (size > SettleflowCsvParser.MAX_FILE_BYTES) {
        throw new UnreadableFileException(
            file + " is too large: " + size + " bytes, limit " + SettleflowCsvParser.MAX_FILE_BYTES);
      }
      byte[] content = readAll(file);
      fileId = SettlementIds.fileId(content);
      publisher.fileId = fileId;
      ParsedFile parsed = parser.parse(content, source, fileId);
      parsed.lines().forEach(publisher::accept);
      parsed.warnings().forEach(publisher::warn);
    }
    publisher.finish();
    return publisher.tally.summary(file.toString(), source, parser.format(), fileId);
  }

  /** First pass of a streamed file: parse it to the end, discarding entries, while hashing it. */
  private static String validateAndHash(Path file, StreamingSettlementParser parser, String source)
      throws UnreadableFileException {
    MessageDigest sha;
    try {
      sha = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e); // every Java platform ships SHA-256
    }
    try (InputStream in = new DigestInputStream(open(file), sha)) {
      parser.parse(in, source, "", new ImportSummary.Tally());
      in.transferTo(OutputStream.nullOutputStream()); // hash bytes the parser did not need
    } catch (IOException e) {
      throw cannotRead(file, e);
    }
    return HexFormat.of().formatHex(sha.digest());
  }

  /** Sends every entry as it comes; remembers the first broker failure. */
  private final class Publisher implements ParsedLineSink {
    final ImportSummary.Tally tally = new ImportSummary.Tally();
    final AtomicReference<Exception> failure = new AtomicReference<>();
    final String fileName;
    final String source;
    String fileId;

    Publisher(String fileName, String source) {
      this.fileName = fileName;
      this.source = source;
    }

    @Override
    public void accept(ParsedLine line) {
      tally.accept(line);
      ProducerRecord<String, byte[]> record = toProducerRecord(line, fileName, fileId, source);
      try {
        producer.send(record, (metadata, error) -> {
          if (error != null) {
            failure.compareAndSet(null, error);
          }
        });
      } catch (KafkaException e) {
        throw new SettlementPublishException("publishing " + fileName + " failed: " + e.getMessage(), e);
      }
    }

    @Override
    public void warn(FileWarning warning) {
      tally.warn(warning);
    }

    void finish() {
      try {
        producer.flush();
      } catch (KafkaException e) {
        throw new SettlementPublishException("publishing " + fileName + " failed: " + e.getMessage(), e);
      }
      Exception error = failure.get();
      if (error != null) {
        throw new SettlementPublishException("publishing " + fileName + " failed: " + error.getMessage(), error);
      }
    }
  }

  private ProducerRecord<String, byte[]> toProducerRecord(
      ParsedLine line, String fileName, String fileId, String source) {
    if (line instanceof ParsedRecord parsedRecord) {
      SettlementRecord record = parsedRecord.record();
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

  /** The value on settlements.rejected: {file, file_id, source, line, reason}. */
  static byte[] rejectionJson(String fileName, String fileId, String source, RejectedLine rejected) {
    ObjectNode node = JSON.createObjectNode();
    node.put("file", fileName);
    node.put("file_id", fileId);
    node.put("source", source);
    node.put("line", rejected.lineNumber());
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
