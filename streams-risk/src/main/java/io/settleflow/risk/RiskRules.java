package io.settleflow.risk;

/** The thresholds the {@link RiskScorer} applies; see {@link RiskConfig} for their meaning. */
public record RiskRules(
    long amountLimitMinor, int velocityMaxPayments, int meanMultiple, int meanMinPayments) {}
