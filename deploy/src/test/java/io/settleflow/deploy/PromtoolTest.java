package io.settleflow.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Prometheus's own checker on every Prometheus file in deploy/: alerting and recording rules (a
 * plain rules file, or the groups inside a {@code PrometheusRule}) pass {@code promtool check
 * rules}, a Prometheus config passes {@code promtool check config}, and the rule unit tests beside
 * the rules pass {@code promtool test rules}. promtool comes with Debian's {@code prometheus}
 * package, which .ci/run installs; without it the checks are skipped on a developer's machine and
 * fail in CI ({@code CI=true}).
 */
class PromtoolTest {
  private static final Path HOME = EndToEndIT.home();
  private static final List<Path> SCANNED =
      List.of(Path.of("deploy/prometheus"), Path.of("deploy/k8s"));
  private static final YAMLMapper YAML = new YAMLMapper();
  private static final Pattern RULES_FOUND = Pattern.compile("SUCCESS: (\\d+) rules found");
  private static final long PROMTOOL_TIMEOUT_SECONDS = 60;

  @TempDir Path tmp;

  enum Availability {
    RUN,
    SKIP,
    FAIL
  }

  /** Run when promtool is there; otherwise skip locally, but fail where CI says it should be. */
  static Availability availability(boolean promtoolFound, String ciEnv) {
    if (promtoolFound) {
      return Availability.RUN;
    }
    return "true".equals(ciEnv == null ? "" : ciEnv.trim().toLowerCase(Locale.ROOT))
        ? Availability.FAIL
        : Availability.SKIP;
  }

  @ParameterizedTest(name = "promtool found={0}, CI={1} -> {2}")
  @CsvSource(
      nullValues = "null",
      value = {
        "true,  null,  RUN",
        "true,  true,  RUN",
        "false, null,  SKIP",
        "false, '',    SKIP",
        "false, false, SKIP",
        "false, true,  FAIL",
        "false, TRUE,  FAIL",
      })
  void aMissingPromtoolSkipsLocallyButFailsInCi(boolean found, String ci, Availability expected) {
    assertThat(availability(found, ci)).isEqualTo(expected);
  }

  @Test
  void everyRulesFilePassesPromtoolCheckRules() throws IOException {
    Path promtool = promtool();
    int files = 0;
    int rules = 0;
    for (Path file : yamlFiles()) {
      List<JsonNode> docs = documents(file);
      for (int i = 0; i < docs.size(); i++) {
        JsonNode doc = docs.get(i);
        Path rulesFile;
        if ("PrometheusRule".equals(doc.path("kind").asText())) {
          // the operator hands spec (groups) to Prometheus as a rules file: check exactly that
          rulesFile = tmp.resolve(file.getFileName() + "-" + i + ".rules.yaml");
          YAML.writeValue(rulesFile.toFile(), doc.path("spec"));
        } else if (doc.has("groups") && !doc.has("kind")) {
          rulesFile = file;
        } else {
          continue;
        }
        String out = run(promtool, "check", "rules", rulesFile.toString());
        Matcher found = RULES_FOUND.matcher(out);
        assertThat(found.find()).as("promtool's summary for %s:%n%s", file, out).isTrue();
        rules += Integer.parseInt(found.group(1));
        files++;
      }
    }
    assertThat(files).as("rules files checked").isGreaterThanOrEqualTo(1);
    // every rule of the SLO file reached promtool (K8sManifestsTest names the alerts)
    assertThat(rules).isGreaterThanOrEqualTo(12);
  }

  @Test
  void everyPrometheusConfigPassesPromtoolCheckConfig() throws IOException {
    Path promtool = promtool();
    for (Path file : yamlFiles()) {
      for (JsonNode doc : documents(file)) {
        if (!doc.has("kind")
            && (doc.has("scrape_configs") || doc.has("global") || doc.has("rule_files"))) {
          run(promtool, "check", "config", "--syntax-only", file.toString());
        }
      }
    }
  }

  @Test
  void theRuleUnitTestsPass() throws IOException {
    Path promtool = promtool();
    List<Path> tests;
    try (Stream<Path> s = Files.list(HOME.resolve("deploy/prometheus"))) {
      tests = s.filter(p -> p.toString().endsWith(".test.yaml")).sorted().toList();
    }
    assertThat(tests).as("promtool rule tests in deploy/prometheus").isNotEmpty();
    for (Path test : tests) {
      // a test names its rules files relative to itself; a PrometheusRule is staged as its groups
      Path staged = Files.createDirectories(tmp.resolve("unit-" + test.getFileName()));
      for (JsonNode ruleFile : YAML.readTree(test.toFile()).path("rule_files")) {
        Path source = test.resolveSibling(ruleFile.asText());
        JsonNode doc = documents(source).get(0);
        YAML.writeValue(
            staged.resolve(ruleFile.asText()).toFile(),
            "PrometheusRule".equals(doc.path("kind").asText()) ? doc.path("spec") : doc);
      }
      Files.copy(test, staged.resolve(test.getFileName()));
      String out = runIn(staged, promtool, "test", "rules", test.getFileName().toString());
      assertThat(out).as(test.toString()).contains("SUCCESS");
    }
  }

  /** YAML files that may hold Prometheus rules or config, in a stable order. */
  private static List<Path> yamlFiles() throws IOException {
    List<Path> files = new ArrayList<>();
    for (Path dir : SCANNED) {
      try (Stream<Path> s = Files.list(HOME.resolve(dir))) {
        s.filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml"))
            .filter(p -> !p.toString().endsWith(".test.yaml"))
            .sorted()
            .forEach(files::add);
      }
    }
    return files;
  }

  private static List<JsonNode> documents(Path file) throws IOException {
    List<JsonNode> docs = new ArrayList<>();
    try (var parser = new YAMLFactory().createParser(file.toFile())) {
      YAML.readValues(parser, JsonNode.class)
          .forEachRemaining(
              d -> {
                if (d != null && !d.isNull()) {
                  docs.add(d);
                }
              });
    }
    return docs;
  }

  private static Path promtool() {
    Optional<Path> found = onPath("promtool");
    Availability availability = availability(found.isPresent(), System.getenv("CI"));
    if (availability == Availability.FAIL) {
      Assertions.fail(
          "promtool is not installed, and CI=true: .ci/run installs Debian's prometheus package"
              + " (which ships /usr/bin/promtool); the Prometheus files are unchecked without it");
    }
    Assumptions.assumeTrue(
        availability == Availability.RUN,
        "promtool not found on PATH: install Debian's prometheus package"
            + " (apt-get install prometheus) to check the Prometheus files");
    return found.orElseThrow();
  }

  private static Optional<Path> onPath(String name) {
    String path = System.getenv("PATH");
    List<String> dirs = new ArrayList<>(List.of("/usr/bin", "/usr/local/bin"));
    if (path != null) {
      dirs.addAll(0, List.of(path.split(File.pathSeparator, -1)));
    }
    return dirs.stream()
        .filter(d -> !d.isEmpty())
        .map(d -> Path.of(d, name))
        .filter(Files::isExecutable)
        .findFirst();
  }

  private static String run(Path promtool, String... args) throws IOException {
    return runIn(HOME, promtool, args);
  }

  private static String runIn(Path workDir, Path promtool, String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(promtool.toString());
    command.addAll(List.of(args));
    Process p =
        new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true).start();
    try {
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(PROMTOOL_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new AssertionError(String.join(" ", command) + " did not finish:\n" + out);
      }
      assertThat(p.exitValue()).as("%s:%n%s", String.join(" ", command), out).isZero();
      return out;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
