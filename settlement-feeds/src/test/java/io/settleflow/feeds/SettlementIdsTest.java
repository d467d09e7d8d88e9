package io.settleflow.feeds;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.UUID;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SettlementIdsTest {
  /**
   * Event ids must never change between versions: a re-import is recognised downstream only by
   * them. They are name-based (version 3) UUIDs of {@code source:settlement_id}.
   */
  @ParameterizedTest
  @CsvSource({
    "stripe, po_1",
    "example-psp, stl-0002",
    "bank, STMT-1:AcctSvcrRef-9",
    "bänk, Überweisung 12 €",
    "'', ''",
  })
  void eventIdIsTheNameBasedUuidOfSourceAndSettlementId(String source, String settlementId) {
    String expected =
        UUID.nameUUIDFromBytes((source + ":" + settlementId).getBytes(StandardCharsets.UTF_8))
            .toString();

    assertThat(SettlementIds.eventId(source, settlementId)).isEqualTo(expected);
    assertThat(UUID.fromString(SettlementIds.eventId(source, settlementId)).version()).isEqualTo(3);
  }

  @ParameterizedTest
  @CsvSource({"stripe, po_1, 2e76460b-365c-39e1-ad78-8c313f36fcfa"})
  void eventIdIsPinned(String source, String settlementId, String pinned) {
    assertThat(SettlementIds.eventId(source, settlementId)).isEqualTo(pinned);
  }
}
