"""Enforcement: platform actions through a signed webhook outbox, every copy down, accounts."""
