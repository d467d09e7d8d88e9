package io.settleflow.checker;

import java.util.List;
import java.util.Locale;

/** Every check with what it counted, what it found lost or duplicated, and examples. */
public record ConservationReport(List<CheckResult> checks) {

  /** How many examples of a violation a check keeps (a broken run can have thousands). */
  public static final int MAX_EXAMPLES = 10;

  /**
   * One check.
   *
   * @param checked how many things it looked at
   * @param lost things that should exist and do not
   * @param duplicated things that exist more often than they should (or should not exist)
   * @param other violations that are neither (a wrong response, an unbalanced currency)
   * @param examples the first {@link #MAX_EXAMPLES} violations, each naming its ids
   */
  public record CheckResult(
      String name, long checked, long lost, long duplicated, long other, List<String> examples) {
    public boolean passed() {
      return lost == 0 && duplicated == 0 && other == 0;
    }
  }

  public boolean conserved() {
    return checks.stream().allMatch(CheckResult::passed);
  }

  public long lost() {
    return checks.stream().mapToLong(CheckResult::lost).sum();
  }

  public long duplicated() {
    return checks.stream().mapToLong(CheckResult::duplicated).sum();
  }

  public CheckResult check(String name) {
    return checks.stream()
        .filter(c -> c.name().equals(name))
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no check " + name));
  }

  /** One line per check, then its examples indented. */
  public String render() {
    StringBuilder out = new StringBuilder();
    for (CheckResult c : checks) {
      out.append(
          String.format(
              Locale.ROOT,
              "check %-40s %-4s checked=%d lost=%d duplicated=%d other=%d%n",
              c.name(),
              c.passed() ? "OK" : "FAIL",
              c.checked(),
              c.lost(),
              c.duplicated(),
              c.other()));
      for (String example : c.examples()) {
        out.append("    ").append(example).append('\n');
      }
    }
    out.append(
        String.format(
            Locale.ROOT,
            "checker: conserved=%s lost=%d duplicated=%d%n",
            conserved(),
            lost(),
            duplicated()));
    return out.toString();
  }
}
