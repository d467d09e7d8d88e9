package io.settleflow.feeds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.settleflow.avro.SettlementRecord;
import io.settleflow.schemas.ConfluentWireFormat;
import io.settleflow.schemas.InMemorySchemaRegistry;
import io.settleflow.schemas.Topics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Streamed files up to {@link SettlementImporter#ONE_TRANSACTION_MAX_BYTES} are sent while they
 * parse, in one transaction: committed whole, or aborted whole when the file turns out malformed.
 */
class OneTransactionImportTest {
  static final int ENTRIES_PER_STATEMENT = 700;

  @TempDir Path dir;
  final ConfluentWireFormat wire = new ConfluentWireFormat(new InMemorySchemaRegistry());

  /** A transactional mock broker that also counts sends, committed or not. */
  static final class CountingProducer extends MockProducer<String, byte[]> {
    int sends;
    int aborts;

    CountingProducer() {
      super(true, null, new StringSerializer(), new ByteArraySerializer());
      initTransactions();
    }

    @Override
    public synchronized Future<RecordMetadata> send(
        ProducerRecord<String, byte[]> record, Callback callback) {
      sends++;
      return super.send(record, callback);
    }

    /** transactionAborted() says only whether the last transaction was. */
    @Override
    public synchronized void abortTransaction() {
      aborts++;
      super.abortTransaction();
    }
  }

  final CountingProducer producer = new CountingProducer();

  SettlementImporter importer() {
    return new SettlementImporter(producer, wire, SettlementImporterTest.markersOf(producer));
  }

  /** Statements S1..Sn of {@link #ENTRIES_PER_STATEMENT} 1.00 EUR credits; S{failing} misproves. */
  static String statements(int count, int failing) {
    StringBuilder xml =
        new StringBuilder("<Document xmlns=\"")
            .append(CamtParserTest.NS)
            .append("08\"><BkToCstmrStmt>\n");
    for (int s = 1; s <= count; s++) {
      String closing = (s == failing ? ENTRIES_PER_STATEMENT + 1 : ENTRIES_PER_STATEMENT) + ".00";
      xml.append("<Stmt><Id>S")
          .append(s)
          .append("</Id>")
          .append(CamtParserTest.bal("OPBD", "EUR", "0.00", "CRDT"))
          .append(CamtParserTest.bal("CLBD", "EUR", closing, "CRDT"))
          .append('\n');
      for (int e = 1; e <= ENTRIES_PER_STATEMENT; e++) {
        xml.append(CamtParserTest.entry("R" + e, "1.00", "CRDT", "BOOK")).append('\n');
      }
      xml.append("</Stmt>\n");
    }
    return xml.append("</BkToCstmrStmt></Document>\n").toString();
  }

  Path write(String name, String text) throws Exception {
    return Files.writeString(dir.resolve(name), text, StandardCharsets.UTF_8);
  }

  List<ProducerRecord<String, byte[]>> committed(String topic) {
    return ImportTransactionsTest.on(producer, topic);
  }

  Map<String, Boolean> flagsByStatement() {
    return committed(Topics.SETTLEMENTS_RAW).stream()
        .map(r -> wire.decode(r.value(), SettlementRecord.class))
        .collect(
            Collectors.groupingBy(
                r -> r.getSettlementId().substring(0, r.getSettlementId().indexOf(':')),
                Collectors.reducing(
                    false, SettlementRecord::getStatementProofFailed, Boolean::logicalOr)));
  }

  void assertEveryEntryOfThreeStatementsCommittedOnceInOrder() {
    assertThat(committed(Topics.SETTLEMENTS_RAW))
        .hasSize(3 * ENTRIES_PER_STATEMENT)
        .extracting(ProducerRecord::key)
        .doesNotHaveDuplicates()
        .startsWith("S1:R1", "S1:R2")
        .endsWith("S3:R" + ENTRIES_PER_STATEMENT);
  }

  @Test
  void aValidFileIsOneTransactionCarryingEveryEntryOnceAndItsDoneMarker() throws Exception {
    Path file = write("three.xml", statements(3, 0));

    ImportSummary summary = importer().importFile(file, "bank");

    assertThat(summary.published()).isEqualTo(3 * ENTRIES_PER_STATEMENT);
    assertThat(summary.warnings()).isEmpty();
    assertThat(producer.commitCount()).isEqualTo(1);
    assertThat(producer.aborts).isZero();
    assertThat(producer.sends).isEqualTo(3 * ENTRIES_PER_STATEMENT + 1); // and the done marker
    assertEveryEntryOfThreeStatementsCommittedOnceInOrder();
    assertThat(flagsByStatement())
        .containsOnly(Map.entry("S1", false), Map.entry("S2", false), Map.entry("S3", false));
    assertThat(committed(Topics.SETTLEMENTS_IMPORTS))
        .singleElement()
        .satisfies(
            m -> {
              assertThat(ImportMarkers.entriesOf(m.value())).isEqualTo(3L * ENTRIES_PER_STATEMENT);
              assertThat(SettlementImporterTest.parseJson(m.value()).path("done").asBoolean())
                  .isTrue();
            });
  }

  @Test
  void reImportingPublishesNothingNew() throws Exception {
    Path file = write("again.xml", statements(2, 0));
    SettlementImporter importer = importer();
    importer.importFile(file, "bank");
    int sendsBefore = producer.sends;

    ImportSummary again = importer.importFile(file, "bank");

    assertThat(again.published()).isZero();
    assertThat(again.skipped()).isEqualTo(2 * ENTRIES_PER_STATEMENT);
    assertThat(producer.sends).isEqualTo(sendsBefore);
    assertThat(producer.commitCount()).isEqualTo(1);
  }

  @Test
  void aFileFoundMalformedAtItsEndIsAbortedAfterSendingSoNothingIsCommitted() throws Exception {
    // More entries than the stages' queues hold (two hand-offs of 16 x 512), so the parse cannot
    // reach the cut before earlier statements were sent.
    String whole = statements(30, 0);
    Path file = write("cut.xml", whole.substring(0, whole.length() - 40));

    assertThatThrownBy(() -> importer().importFile(file, "bank"))
        .isInstanceOf(UnreadableFileException.class)
        .hasMessageStartingWith("not well-formed XML");

    // the first statements were sent while the file parsed, then the transaction was aborted
    assertThat(producer.sends).isGreaterThanOrEqualTo(2 * ENTRIES_PER_STATEMENT);
    assertThat(producer.transactionAborted()).isTrue();
    assertThat(producer.commitCount()).isZero();
    assertThat(producer.history()).isEmpty();
  }

  @Test
  void aStatementWhoseProofFailsAbortsTheTransactionAndTheSpoolFlagsItsRecords() throws Exception {
    Path file = write("three.xml", statements(3, 2));

    ImportSummary summary = importer().importFile(file, "bank");

    // S1 and S2 went out unflagged before S2's proof failed: that attempt is aborted, never seen
    assertThat(producer.aborts).isEqualTo(1);
    assertThat(producer.sends).isGreaterThan(3 * ENTRIES_PER_STATEMENT);
    assertThat(summary.published()).isEqualTo(3 * ENTRIES_PER_STATEMENT);
    assertThat(summary.warnings()).hasSize(1);
    assertThat(producer.commitCount()).isEqualTo(1);
    assertEveryEntryOfThreeStatementsCommittedOnceInOrder();
    // only the statement whose balances do not prove is flagged
    assertThat(flagsByStatement())
        .containsOnly(Map.entry("S1", false), Map.entry("S2", true), Map.entry("S3", false));
  }

  @Test
  void aFailedProofInAFileLargerThanOneTransactionIsFlaggedInChunks() throws Exception {
    Path file = write("big.xml", statements(2, 1));
    SettlementImporter importer =
        new SettlementImporter(
            producer, wire, SettlementImporterTest.markersOf(producer), null, 500, 0);

    ImportSummary summary = importer.importFile(file, "bank");

    assertThat(summary.published()).isEqualTo(2 * ENTRIES_PER_STATEMENT);
    assertThat(summary.warnings()).hasSize(1);
    assertThat(producer.aborts).isZero(); // spooled from the start: nothing to undo
    assertThat(producer.commitCount()).isEqualTo(3);
    assertThat(committed(Topics.SETTLEMENTS_RAW))
        .hasSize(2 * ENTRIES_PER_STATEMENT)
        .extracting(ProducerRecord::key)
        .doesNotHaveDuplicates();
    assertThat(flagsByStatement()).containsOnly(Map.entry("S1", true), Map.entry("S2", false));
  }

  @Test
  void aSmallCsvFileIsOneTransactionToo() throws Exception {
    StringBuilder text = new StringBuilder(SettleflowCsvParserTest.HEADER).append('\n');
    for (int i = 1; i <= 50; i++) {
      text.append(SettleflowCsvParserTest.line("settlement_id=s-" + i)).append('\n');
    }
    Path file = write("small.csv", text.toString());

    assertThat(importer().importFile(file, "psp").published()).isEqualTo(50);
    assertThat(producer.commitCount()).isEqualTo(1);
  }
}
