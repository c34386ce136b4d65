"""The upload scan: decode, hash, match, verdict, and the content ledger of every scan."""
