package io.settleflow.ledger;

import java.util.List;
import java.util.Optional;

/** A page of payments and, when more follow, the key to continue after. */
public record PaymentPage(List<Payment> payments, Optional<PaymentQuery.PageKey> next) {}
