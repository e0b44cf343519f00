"""Events: the transactional outbox, the email outbox and consumer-side idempotency bookkeeping."""
