package io.settleflow.risk;

import io.settleflow.avro.RiskOutcome;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Scores one payment against a list of rules. Pure: no clock, no state, no Kafka; the topology
 * computes {@link MerchantActivity} and hands in the rules currently published.
 *
 * <p>Each ACTIVE rule that fires adds its score; the sum (capped at 100) picks the outcome, and a
 * fired rule's action is the least outcome (with the built-in weights one rule reviews, two
 * decline). SHADOW rules are evaluated and reported apart, never changing score or outcome.
 */
public final class RiskScorer {
  static final int MAX_SCORE = 100;

  /** At or above: REVIEW. Any single built-in rule reaches it. */
  static final int REVIEW_FROM_SCORE = 30;

  /** At or above: DECLINE. Any two built-in rules reach it. */
  static final int DECLINE_FROM_SCORE = 70;

  private final List<RiskRule> defaults;
  private final int meanMinPayments;

  public RiskScorer(RiskRules rules) {
    this(rules.defaults(), rules.meanMinPayments());
  }

  /**
   * @param defaults the rules used while none are published
   * @param meanMinPayments earlier same-currency payments needed before amount_to_merchant_mean is
   *     defined
   */
  public RiskScorer(List<RiskRule> defaults, int meanMinPayments) {
    this.defaults = List.copyOf(defaults);
    this.meanMinPayments = meanMinPayments;
  }

  public List<RiskRule> defaults() {
    return defaults;
  }

  /**
   * The features the rules that would be evaluated (published, else the defaults; not DISABLED)
   * name: the others need not be read from state. Cached per rule list (it changes rarely).
   */
  java.util.Set<RiskFeature> featuresUsed(List<RiskRule> published) {
    FeaturesUsed memo = lastFeaturesUsed;
    if (memo != null && memo.rules() == published) {
      return memo.features();
    }
    java.util.Set<RiskFeature> used = java.util.EnumSet.noneOf(RiskFeature.class);
    for (RiskRule r : published.isEmpty() ? defaults : published) {
      if (r.status() != RuleStatus.DISABLED) {
        used.add(r.feature());
      }
    }
    java.util.Set<RiskFeature> features = java.util.Collections.unmodifiableSet(used);
    lastFeaturesUsed = new FeaturesUsed(published, features);
    return features;
  }

  private record FeaturesUsed(List<RiskRule> rules, java.util.Set<RiskFeature> features) {}

  // one scorer is shared by every task of the topology, across stream threads: one immutable
  // memo in one volatile field, so a thread sees a matching pair or recomputes
  private volatile FeaturesUsed lastFeaturesUsed;

  /** With the built-in rules. */
  public RiskAssessment score(long amountMinor, String currency, MerchantActivity before) {
    return score(List.of(), amountMinor, currency, before);
  }

  /**
   * @param published valid rules from risk.rules, in evaluation order; when empty, the defaults
   */
  public RiskAssessment score(
      List<RiskRule> published, long amountMinor, String currency, MerchantActivity before) {
    return score(published, amountMinor, currency, FeatureInputs.velocityOnly(before));
  }

  /** With every feature the topology computes; see {@link FeatureInputs}. */
  RiskAssessment score(
      List<RiskRule> published, long amountMinor, String currency, FeatureInputs inputs) {
    return score(published, currency, features(amountMinor, currency, inputs));
  }

  PaymentFeatures features(long amountMinor, String currency, FeatureInputs inputs) {
    return PaymentFeatures.of(amountMinor, currency, inputs, meanMinPayments);
  }

  RiskAssessment score(List<RiskRule> published, String currency, PaymentFeatures features) {
    List<RiskRule> rules = published.isEmpty() ? defaults : published;
    int score = 0;
    RiskOutcome least = RiskOutcome.APPROVE;
    List<String> reasons = new ArrayList<>();
    List<String> shadowReasons = new ArrayList<>();
    List<String> evaluated = new ArrayList<>();
    for (RiskRule rule : rules) {
      if (rule.status() == RuleStatus.DISABLED) {
        continue;
      }
      evaluated.add(rule.versionTag());
      Optional<String> fired = fires(rule, features, currency);
      if (fired.isEmpty()) {
        continue;
      }
      if (rule.status() == RuleStatus.SHADOW) {
        shadowReasons.add(fired.get());
      } else {
        reasons.add(fired.get());
        score += rule.score();
        least = max(least, rule.action().outcome());
      }
    }
    score = Math.min(score, MAX_SCORE);
    return new RiskAssessment(score, max(outcome(score), least), reasons, evaluated, shadowReasons);
  }

  /** The reason line when the rule fires: {@code id@version: feature value op threshold}. */
  private static Optional<String> fires(RiskRule rule, PaymentFeatures features, String currency) {
    Optional<FeatureValue> value = features.value(rule.feature());
    if (value.isEmpty() || !rule.comparison().holds(value.get().compareTo(rule.threshold()))) {
      return Optional.empty();
    }
    String unit = rule.feature().isAmount() ? " " + currency : "";
    return Optional.of(
        rule.versionTag()
            + ": "
            + rule.feature().documentName()
            + " "
            + value.get().display()
            + unit
            + " "
            + rule.comparison().symbol()
            + " "
            + rule.threshold().toPlainString());
  }

  private static RiskOutcome max(RiskOutcome a, RiskOutcome b) {
    return severity(a) >= severity(b) ? a : b;
  }

  /** Explicit, so reordering the schema's enum symbols can never change which outcome wins. */
  private static int severity(RiskOutcome outcome) {
    return switch (outcome) {
      case APPROVE -> 0;
      case REVIEW -> 1;
      case DECLINE -> 2;
    };
  }

  static RiskOutcome outcome(int score) {
    if (score >= DECLINE_FROM_SCORE) {
      return RiskOutcome.DECLINE;
    }
    return score >= REVIEW_FROM_SCORE ? RiskOutcome.REVIEW : RiskOutcome.APPROVE;
  }
}
