package io.settleflow.console;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class CsvFormatTest {

  static Stream<Arguments> textCells() {
    return Stream.of(
        // value, cell
        Arguments.of("plain", "plain"),
        Arguments.of(null, ""),
        Arguments.of("", ""),
        Arguments.of("a,b", "\"a,b\""),
        Arguments.of("say \"hi\"", "\"say \"\"hi\"\"\""),
        Arguments.of("=SUM(A1:A9)", "'=SUM(A1:A9)"),
        Arguments.of("+1", "'+1"),
        Arguments.of("-1", "'-1"),
        Arguments.of("@cmd", "'@cmd"),
        Arguments.of("\tx", "'\tx"),
        Arguments.of("=1,2", "\"'=1,2\""));
  }

  @ParameterizedTest(name = "text [{0}] -> [{1}]")
  @MethodSource
  void textCells(String value, String cell) {
    assertThat(CsvFormat.text(value)).isEqualTo(cell);
  }

  @Test
  void lineBreaksAreQuotedAndKept() {
    assertThat(CsvFormat.text("one\ntwo")).isEqualTo("\"one\ntwo\"");
    assertThat(CsvFormat.text("one\r\ntwo")).isEqualTo("\"one\r\ntwo\"");
  }

  @Test
  void numbersKeepTheirSign() {
    assertThat(CsvFormat.number("-12.50")).isEqualTo("-12.50");
    assertThat(CsvFormat.number(null)).isEmpty();
    assertThat(CsvFormat.line(List.of("a", "", "-1"))).isEqualTo("a,,-1\r\n");
  }

  @Test
  void anAlertIsOneLineInMajorUnits() {
    Instant t = Instant.parse("2026-03-01T09:00:00Z");
    Alert a =
        new Alert(
            "alert-1",
            "AMOUNT_MISMATCH",
            "acme",
            "pay-1",
            "set-1",
            "adyen",
            10_000L,
            9_900L,
            "EUR",
            AlertSeverity.MEDIUM,
            AlertStatus.OPEN,
            null,
            "amount@1",
            "settled 99.00, booked 100.00 = \"short\"",
            t,
            t,
            t,
            null);
    assertThat(AlertCsv.header()).startsWith("alert_id,kind,severity,").endsWith("detail\r\n");
    assertThat(AlertCsv.line(a))
        .isEqualTo(
            "alert-1,AMOUNT_MISMATCH,MEDIUM,OPEN,,acme,adyen,pay-1,set-1,EUR,100.00,99.00,-1.00,"
                + "2026-03-01T09:00:00Z,amount@1,\"settled 99.00, booked 100.00 = \"\"short\"\"\"\r\n");
    assertThat(AlertCsv.HEADER)
        .hasSize(AlertCsv.line(a).split(",(?=(?:[^\"]*\"[^\"]*\")*[^\"]*$)", -1).length);
  }
}
