package io.settleflow.risk;

import java.util.Arrays;
import java.util.Optional;

/** How a rule compares its feature with its threshold: {@code feature <op> threshold}. */
public enum RuleComparison {
  GREATER(">"),
  GREATER_OR_EQUAL(">="),
  LESS("<"),
  LESS_OR_EQUAL("<="),
  EQUAL("==");

  private final String symbol;

  RuleComparison(String symbol) {
    this.symbol = symbol;
  }

  public String symbol() {
    return symbol;
  }

  /** Whether the comparison holds, given {@code signum(feature - threshold)}. */
  boolean holds(int featureComparedToThreshold) {
    return switch (this) {
      case GREATER -> featureComparedToThreshold > 0;
      case GREATER_OR_EQUAL -> featureComparedToThreshold >= 0;
      case LESS -> featureComparedToThreshold < 0;
      case LESS_OR_EQUAL -> featureComparedToThreshold <= 0;
      case EQUAL -> featureComparedToThreshold == 0;
    };
  }

  public static Optional<RuleComparison> bySymbol(String symbol) {
    return Arrays.stream(values()).filter(c -> c.symbol.equals(symbol)).findFirst();
  }
}
