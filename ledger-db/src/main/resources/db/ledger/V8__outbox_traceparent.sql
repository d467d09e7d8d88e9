-- W3C trace context of the request that wrote each outbox row (issue 7): the CDC connector's
-- EventRouter copies it to the Kafka header `traceparent` of the routed event, so one payment can
-- be followed from the HTTP request through every stage. Nullable: rows written without a trace
-- (and rows from before this migration) carry none. Version 00 is 55 characters; the limit leaves
-- room for a future version without letting the column hold anything large.
ALTER TABLE ledger.outbox
  ADD COLUMN traceparent text CHECK (traceparent IS NULL OR length(traceparent) BETWEEN 1 AND 128);
