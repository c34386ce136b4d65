"""The tamper-evident audit log: append-only, each entry carrying the hash of the one before."""
