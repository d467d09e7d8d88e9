package io.settleflow.deploy.demo;

import java.time.Instant;

/** A payment the API accepted (201), as the load generator saw it. */
public record AcceptedPayment(
    String paymentId, String merchantId, long amountMinor, String currency, Instant createdAt) {}
