package io.settleflow.ledger;

/** The kinds an account may have; the names match the ledger.accounts CHECK constraint. */
public enum AccountKind {
  ASSET,
  LIABILITY,
  REVENUE,
  EXPENSE
}
