package io.settleflow.buildchecks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * Pure logic (as {@link ArchitectureRules} defines it) keeps the line coverage its table tests give
 * it. Wiring has no floor: its integration tests run real parts, and a number would only invite
 * tests written for the number.
 *
 * <p>Reads the report JaCoCo's report-aggregate writes in this module's process-test-classes phase
 * (JaCoCo's own check goal cannot judge an aggregated report, hence this test).
 */
class CoverageFloorTest {

  private static final Path REPORT = Path.of("target/site/jacoco-aggregate/jacoco.xml");

  /**
   * Floor per package, 2–3 points under what `./mvnw verify` measured when it was set (2026-11-25:
   * ledger 90.0, ingest 95.9, cdc 99.2, risk 94.7, feeds 94.4, reconcile 97.3 %): raise it when
   * tests grow, never lower it to make a change pass.
   */
  static final Map<String, Double> LINE_COVERAGE_FLOOR =
      Map.of(
          "io.settleflow.ledger", 0.87,
          "io.settleflow.ingest", 0.92,
          "io.settleflow.cdc", 0.96,
          "io.settleflow.risk", 0.91,
          "io.settleflow.feeds", 0.91,
          // reconcile raised 2026-11-25 with the rules document: 99.4 % by its unit tests alone
          "io.settleflow.reconcile", 0.97,
          // console set 2026-11-25: 96.2 % by its unit tests alone
          "io.settleflow.console", 0.93,
          // checker set 2026-11-26: 97.4 % by its unit tests alone
          "io.settleflow.checker", 0.94);

  record Lines(int covered, int missed) {
    Lines plus(Lines other) {
      return new Lines(covered + other.covered, missed + other.missed);
    }

    double ratio() {
      return covered + missed == 0 ? 1.0 : (double) covered / (covered + missed);
    }
  }

  record ClassLines(String name, Lines lines) {}

  @Test
  void pureLogicKeepsItsCoverageFloor() throws Exception {
    assumeTrue(
        Files.exists(REPORT),
        "no aggregated coverage report: run `./mvnw verify` from the project root");
    Map<String, List<ClassLines>> pureByPackage = pureLogicLines(REPORT);
    assertThat(pureByPackage.keySet())
        .as("pure-logic packages found in the report")
        .containsAll(LINE_COVERAGE_FLOOR.keySet());

    List<String> below = new ArrayList<>();
    for (Map.Entry<String, Double> floor : LINE_COVERAGE_FLOOR.entrySet()) {
      List<ClassLines> classes = pureByPackage.get(floor.getKey());
      Lines total = classes.stream().map(ClassLines::lines).reduce(new Lines(0, 0), Lines::plus);
      System.out.printf(
          "coverage %-26s pure logic %5.1f%% of %5d lines (floor %.0f%%)%n",
          floor.getKey(),
          100 * total.ratio(),
          total.covered() + total.missed(),
          100 * floor.getValue());
      if (total.ratio() < floor.getValue()) {
        below.add(
            String.format(
                "%s: %.1f%% < %.0f%%; least covered: %s",
                floor.getKey(),
                100 * total.ratio(),
                100 * floor.getValue(),
                leastCovered(classes)));
      }
    }
    assertThat(below).as("pure-logic packages below their floor").isEmpty();
  }

  private static String leastCovered(List<ClassLines> classes) {
    return classes.stream()
        .filter(c -> c.lines().missed() > 0)
        .sorted(Comparator.comparingInt((ClassLines c) -> c.lines().missed()).reversed())
        .limit(5)
        .map(c -> c.name() + " (" + c.lines().missed() + " lines missed)")
        .toList()
        .toString();
  }

  static Map<String, List<ClassLines>> pureLogicLines(Path report) throws Exception {
    DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
    // the report names a DTD it does not ship; never fetch anything while parsing
    factory.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
    factory.setAttribute(XMLConstants.ACCESS_EXTERNAL_DTD, "");
    factory.setAttribute(XMLConstants.ACCESS_EXTERNAL_SCHEMA, "");
    Document document = factory.newDocumentBuilder().parse(report.toFile());
    Map<String, List<ClassLines>> byPackage = new TreeMap<>();
    NodeList classes = document.getElementsByTagName("class");
    for (int i = 0; i < classes.getLength(); i++) {
      Element type = (Element) classes.item(i);
      String name = type.getAttribute("name").replace('/', '.');
      String pkg = name.substring(0, name.lastIndexOf('.'));
      if (!ArchitectureRules.LOGIC_PACKAGES.contains(pkg) || ArchitectureRules.isWiring(name)) {
        continue;
      }
      byPackage.computeIfAbsent(pkg, p -> new ArrayList<>()).add(new ClassLines(name, lines(type)));
    }
    return byPackage;
  }

  private static Lines lines(Element type) {
    NodeList counters = type.getChildNodes();
    for (int i = 0; i < counters.getLength(); i++) {
      if (counters.item(i) instanceof Element counter
          && counter.getTagName().equals("counter")
          && counter.getAttribute("type").equals("LINE")) {
        return new Lines(
            Integer.parseInt(counter.getAttribute("covered")),
            Integer.parseInt(counter.getAttribute("missed")));
      }
    }
    return new Lines(0, 0);
  }
}
