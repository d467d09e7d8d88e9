package io.settleflow.feeds;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.settleflow.avro.SettlementRecord;
import io.settleflow.schemas.ConfluentWireFormat;
import io.settleflow.schemas.Topics;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;

/**
 * Reads one settlement file, publishes its records to {@link Topics#SETTLEMENTS_RAW} (key
 * settlement_id, Avro in Confluent wire format) and its bad lines to
 * {@link Topics#SETTLEMENTS_REJECTED} (key {@code fileId:line}, UTF-8 JSON), and waits until the
 * broker has them all. The producer belongs to the caller (see {@link SettlementProducers}).
 */
public final class SettlementImporter {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Producer<String, byte[]> producer;
  private final ConfluentWireFormat wireFormat;
  private final SettlementFileParser parser;

  /** An importer of settleflow CSV files. */
  public SettlementImporter(Producer<String, byte[]> producer, ConfluentWireFormat wireFormat) {
    this(producer, wireFormat, new SettleflowCsvParser());
  }

  public SettlementImporter(
      Producer<String, byte[]> producer, ConfluentWireFormat wireFormat, SettlementFileParser parser) {
    this.producer = producer;
    this.wireFormat = wireFormat;
    this.parser = parser;
  }

  /**
   * Imports one file. Returns once the broker acknowledged every record and rejection.
   *
   * @param source the processor or bank the file came from (part of every record's event id)
   * @throws UnreadableFileException the file as a whole is unreadable; nothing was published
   * @throws SettlementPublishException the broker did not take every line; importing again is safe
   */
  public ImportSummary importFile(Path file, String source) throws UnreadableFileException {
    byte[] content = read(file);
    String fileId = SettlementIds.fileId(content);
    ParsedFile parsed = parser.parse(content, source, fileId);
    String fileName = String.valueOf(file.getFileName());

    List<Future<RecordMetadata>> sends = new ArrayList<>(parsed.lines().size());
    for (ParsedLine line : parsed.lines()) {
      sends.add(send(toProducerRecord(line, fileName, fileId, source), fileName));
    }
    producer.flush();
    awaitAll(sends, fileName);
    return ImportSummary.of(file.toString(), source, parsed);
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

  private Future<RecordMetadata> send(ProducerRecord<String, byte[]> record, String fileName) {
    try {
      return producer.send(record);
    } catch (KafkaException e) {
      throw new SettlementPublishException(
          "publishing " + fileName + " failed: " + e.getMessage(), e);
    }
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

  private static void awaitAll(List<Future<RecordMetadata>> sends, String fileName) {
    for (Future<RecordMetadata> send : sends) {
      try {
        send.get();
      } catch (ExecutionException e) {
        throw new SettlementPublishException(
            "publishing " + fileName + " failed: " + e.getCause().getMessage(), e.getCause());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new SettlementPublishException("interrupted while publishing " + fileName, e);
      }
    }
  }

  private static byte[] read(Path file) throws UnreadableFileException {
    try {
      if (Files.isDirectory(file)) {
        throw new UnreadableFileException(file + " is a directory, not a file");
      }
      long size = Files.size(file);
      if (size > SettleflowCsvParser.MAX_FILE_BYTES) {
        throw new UnreadableFileException(
            file + " is too large: " + size + " bytes, limit " + SettleflowCsvParser.MAX_FILE_BYTES);
      }
      return Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new UnreadableFileException("no such file: " + file, e);
    } catch (AccessDeniedException e) {
      throw new UnreadableFileException("permission denied: " + file, e);
    } catch (IOException e) {
      throw new UnreadableFileException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }
}
