package io.settleflow.risk;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class RiskRuleValidatorTest {
  private static final String VALID =
      "{\"id\": \"amount-limit\", \"version\": 3, \"status\": \"ACTIVE\", \"feature\": \"amount_minor\","
          + " \"comparison\": \">\", \"threshold\": 500000, \"score\": 60, \"action\": \"REVIEW\"}";

  @Test
  void aValidDocumentBecomesARule() {
    RiskRuleValidator.Result r = validate("amount-limit", VALID);

    assertThat(r.errors()).isEmpty();
    assertThat(r.rule())
        .contains(
            new RiskRule(
                "amount-limit",
                3,
                RuleStatus.ACTIVE,
                RiskFeature.AMOUNT_MINOR,
                RuleComparison.GREATER,
                new BigDecimal("500000"),
                60,
                RuleAction.REVIEW));
  }

  @Test
  void everyFeatureComparisonStatusAndActionIsAccepted() {
    for (RiskFeature f : RiskFeature.values()) {
      for (RuleComparison c : RuleComparison.values()) {
        for (RuleStatus s : RuleStatus.values()) {
          for (RuleAction a : RuleAction.values()) {
            String doc =
                VALID
                    .replace("amount_minor", f.documentName())
                    .replace("\">\"", "\"" + c.symbol() + "\"")
                    .replace("ACTIVE", s.name())
                    .replace("REVIEW", a.name());
            assertThat(validate(null, doc).errors()).as(doc).isEmpty();
          }
        }
      }
    }
  }

  static Stream<Arguments> invalid() {
    return Stream.of(
        // case, key, document -> the one error expected
        row(
            "unknown feature",
            "amount-limit",
            VALID.replace("amount_minor", "amount_major"),
            "rule amount-limit: feature unknown feature"),
        row(
            "bad comparison",
            "amount-limit",
            VALID.replace("\">\"", "\"=>\""),
            "rule amount-limit: comparison must be one of"),
        row(
            "score above 100",
            "amount-limit",
            VALID.replace("60", "101"),
            "rule amount-limit: score must be an integer from 0 to 100"),
        row(
            "negative score",
            "amount-limit",
            VALID.replace("60", "-1"),
            "rule amount-limit: score must be an integer from 0 to 100"),
        row(
            "fractional score",
            "amount-limit",
            VALID.replace("60", "60.5"),
            "rule amount-limit: score must be an integer from 0 to 100"),
        row(
            "negative version",
            "amount-limit",
            VALID.replace("\"version\": 3", "\"version\": -3"),
            "rule amount-limit: version must be a positive integer"),
        row(
            "version zero",
            "amount-limit",
            VALID.replace("\"version\": 3", "\"version\": 0"),
            "rule amount-limit: version must be a positive integer"),
        row(
            "version as text",
            "amount-limit",
            VALID.replace("\"version\": 3", "\"version\": \"3\""),
            "rule amount-limit: version must be a positive integer"),
        row(
            "missing id, key names it",
            "amount-limit",
            VALID.replace("\"id\": \"amount-limit\", ", ""),
            "rule amount-limit: id is missing"),
        row(
            "missing id, no key",
            null,
            VALID.replace("\"id\": \"amount-limit\", ", ""),
            "rule <no id>: id is missing"),
        row(
            "id with spaces",
            null,
            VALID.replace("\"amount-limit\"", "\"amount limit\""),
            "rule <no id>: id must match"),
        row(
            "id too long",
            null,
            VALID.replace("amount-limit", "a".repeat(65)),
            "rule <no id>: id must match"),
        row(
            "key differs from id",
            "other-rule",
            VALID,
            "rule amount-limit: id does not match the record key"),
        row(
            "unknown status",
            "amount-limit",
            VALID.replace("ACTIVE", "LIVE"),
            "rule amount-limit: status must be one of ACTIVE, SHADOW, DISABLED"),
        row(
            "lower-case status",
            "amount-limit",
            VALID.replace("ACTIVE", "active"),
            "rule amount-limit: status must be one of ACTIVE, SHADOW, DISABLED"),
        row(
            "unknown action",
            "amount-limit",
            VALID.replace("REVIEW", "BLOCK"),
            "rule amount-limit: action must be one of REVIEW, DECLINE"),
        row(
            "threshold as text",
            "amount-limit",
            VALID.replace("500000", "\"500000\""),
            "rule amount-limit: threshold must be a number"),
        row(
            "missing threshold",
            "amount-limit",
            VALID.replace("\"threshold\": 500000, ", ""),
            "rule amount-limit: threshold is missing"),
        row(
            "null feature",
            "amount-limit",
            VALID.replace("\"amount_minor\"", "null"),
            "rule amount-limit: feature is missing"),
        row(
            "misspelt field",
            "amount-limit",
            VALID.replace("\"threshold\": 500000", "\"threshold\": 1, \"treshold\": 2"),
            "rule amount-limit: treshold is not a rule field"),
        row(
            "not JSON",
            "amount-limit",
            "{id: amount-limit",
            "rule amount-limit: document is not JSON"),
        row(
            "JSON array",
            "amount-limit",
            "[1, 2]",
            "rule amount-limit: document is not a JSON object"),
        row("empty", "amount-limit", "", "rule amount-limit: document is empty"),
        row(
            "too large",
            "amount-limit",
            VALID.replace(
                "}", ", \"pad\": \"" + "x".repeat(RiskRuleValidator.MAX_DOCUMENT_BYTES) + "\"}"),
            "rule amount-limit: document is larger than 4096 bytes"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalid")
  void anInvalidDocumentIsRejectedWithAnErrorNamingRuleAndField(
      String name, String key, String doc, String error) {
    RiskRuleValidator.Result r = validate(key, doc);

    assertThat(r.isValid()).isFalse();
    assertThat(r.rule()).isEmpty();
    assertThat(r.errors()).singleElement().asString().startsWith(error);
  }

  @Test
  void allErrorsOfADocumentAreReportedAtOnce() {
    String doc =
        "{\"id\": \"r1\", \"version\": -1, \"status\": \"ON\", \"feature\": \"x\", \"comparison\": \"~\","
            + " \"threshold\": \"t\", \"score\": 500, \"action\": \"NONE\"}";
    assertThat(validate("r1", doc).errors())
        .hasSize(7)
        .allSatisfy(e -> assertThat(e).startsWith("rule r1: "));
  }

  @ParameterizedTest(name = "version {0} over {1} in force -> {2}")
  @org.junit.jupiter.params.provider.CsvSource(
      value = {
        "1, , ok",
        "2, 1, ok",
        "1, 1, rule r: version must be above 1",
        "1, 3, rule r: version must be above 3"
      },
      nullValues = "")
  void aVersionMustBeAboveTheOneInForce(long version, Long inForce, String expected) {
    var problem = RiskRuleValidator.versionProblem("r", version, inForce);

    assertThat(problem.orElse("ok")).startsWith(expected);
  }

  @Test
  void aNullDocumentIsInvalidNotAnException() {
    assertThat(RiskRuleValidator.validate("r1", null).errors())
        .containsExactly("rule r1: document is empty");
  }

  @Test
  void theExampleRulesFileIsValidAndItsActiveRulesAreTheBuiltInDefaults()
      throws java.io.IOException {
    // rules/example-rules.txt is what the README tells analysts to publish: key|document per line
    java.util.List<RiskRule> rules = new java.util.ArrayList<>();
    for (String line :
        java.nio.file.Files.readAllLines(java.nio.file.Path.of("rules", "example-rules.txt"))) {
      int bar = line.indexOf('|');
      RiskRuleValidator.Result r = validate(line.substring(0, bar), line.substring(bar + 1));
      assertThat(r.errors()).as(line).isEmpty();
      rules.add(r.rule().orElseThrow());
    }
    assertThat(rules.stream().filter(r -> r.status() == RuleStatus.ACTIVE))
        .containsExactlyElementsOf(RiskConfig.defaults().rules().defaults());
    assertThat(rules).anyMatch(r -> r.status() == RuleStatus.SHADOW);
  }

  private static RiskRuleValidator.Result validate(String key, String doc) {
    return RiskRuleValidator.validate(key, doc.getBytes(StandardCharsets.UTF_8));
  }

  private static Arguments row(String name, String key, String doc, String error) {
    return Arguments.of(name, key, doc, error);
  }
}
