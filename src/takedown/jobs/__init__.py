"""Background jobs (timers, outbox delivery, index refresh) run by `serve` or `takedown worker`."""
