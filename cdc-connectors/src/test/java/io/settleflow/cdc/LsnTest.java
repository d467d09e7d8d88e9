package io.settleflow.cdc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class LsnTest {
  @ParameterizedTest(name = "{0}")
  @CsvSource({
    // text,          position
    "0/0,             0",
    "0/16B3748,       23803720",
    "1/0,             4294967296",
    "16/B374D848,     97500059720",
    "FFFFFFFF/FFFFFFFF, -1",
  })
  void postgresTextFormParsesToThePositionAndFormatsBack(String text, long position) {
    assertThat(Lsn.parse(text)).isEqualTo(position);
    assertThat(Lsn.format(position)).isEqualTo(text);
  }

  @ParameterizedTest(name = "''{0}''")
  @ValueSource(
      strings = {"", "/", "0/", "/0", "16B374D848", "G/0", "1/123456789", "123456789/0", "1/2/3"})
  void malformedLsnIsRejectedNamingIt(String text) {
    assertThatThrownBy(() -> Lsn.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(text);
  }

  @ParameterizedTest(name = "{0} -> {1} = {2}")
  @CsvSource({
    "0/100, 0/180, 128",
    "0/180, 0/100, 0",
    "0/100, 0/100, 0",
    "0/FFFFFFFF, 1/0, 1",
    "7FFFFFFF/FFFFFFFF, 80000000/0, 1",
  })
  void bytesBetweenPositionsNeverGoNegative(String from, String to, long bytes) {
    assertThat(Lsn.bytesBetween(Lsn.parse(from), Lsn.parse(to))).isEqualTo(bytes);
  }

  @Test
  void orderingIsUnsignedAcrossTheSignBit() {
    assertThat(Lsn.atOrBefore(Lsn.parse("7FFFFFFF/0"), Lsn.parse("80000000/0"))).isTrue();
    assertThat(Lsn.atOrBefore(Lsn.parse("80000000/0"), Lsn.parse("7FFFFFFF/0"))).isFalse();
  }
}
