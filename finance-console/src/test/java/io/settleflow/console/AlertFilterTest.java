package io.settleflow.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AlertFilterTest {

  /** "a=1&b=2" as the request's parameters. */
  static Map<String, String> params(String query) {
    Map<String, String> map = new HashMap<>();
    if (!query.isEmpty()) {
      for (String pair : query.split("&", -1)) {
        String[] kv = pair.split("=", 2);
        map.put(kv[0], kv.length > 1 ? kv[1] : "");
      }
    }
    return map;
  }

  @ParameterizedTest(name = "{0} -> {1} {2} limit {3}")
  @CsvSource(
      delimiter = '|',
      value = {
        "                                     | TRUE                                | []                          | 200",
        "merchant=&status=                    | TRUE                                | []                          | 200",
        "merchant=acme                        | merchant_id = ?                     | [acme]                      | 200",
        "processor=adyen&kind=AMOUNT_MISMATCH | source = ? AND kind = ?             | [adyen, AMOUNT_MISMATCH]    | 200",
        "severity=high&status=open            | severity = ? AND status = ?         | [HIGH, OPEN]                | 200",
        "merchant=m-1&processor=Stripe Payouts&kind=ORPHAN_SETTLEMENT&severity=LOW&status=RESOLVED&limit=5 "
            + "| merchant_id = ? AND source = ? AND kind = ? AND severity = ? AND status = ? "
            + "| [m-1, Stripe Payouts, ORPHAN_SETTLEMENT, LOW, RESOLVED] | 5",
        "limit=10000                          | TRUE                                | []                          | 10000",
      })
  void filtersBecomeBindParameters(String query, String sql, String values, int limit) {
    AlertFilter f = AlertFilter.parse(params(query == null ? "" : query)::get);
    AlertFilter.SqlCondition where = f.toSql();
    assertThat(where.sql()).isEqualTo(sql);
    assertThat(where.params().toString()).isEqualTo(values);
    assertThat(f.limit()).isEqualTo(limit);
  }

  @ParameterizedTest(name = "{0} refused on {1}")
  @CsvSource({
    "merchant=ACME, merchant",
    "merchant=acme';DROP TABLE x, merchant",
    "processor=adyen%, processor",
    "kind=amount mismatch, kind",
    "severity=URGENT, severity",
    "status=DONE, status",
    "limit=0, limit",
    "limit=10001, limit",
    "limit=ten, limit",
  })
  void badFiltersNameTheParameter(String query, String field) {
    assertThatThrownBy(() -> AlertFilter.parse(params(query)::get))
        .isInstanceOfSatisfying(
            ConsoleInputException.class,
            e -> {
              assertThat(e.field()).isEqualTo(field);
              assertThat(e.isConflict()).isFalse();
            });
  }

  @Test
  void valuesNeverReachTheSqlText() {
    AlertFilter f = AlertFilter.parse(params("merchant=acme&processor=adyen")::get);
    assertThat(f.toSql().sql()).doesNotContain("acme").doesNotContain("adyen");
    assertThat(f.toSql().params()).isEqualTo(List.of("acme", "adyen"));
    assertThat(f.withLimit(7).limit()).isEqualTo(7);
    assertThat(f.withLimit(7).merchant()).isEqualTo("acme");
  }
}
