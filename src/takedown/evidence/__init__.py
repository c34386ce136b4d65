"""The evidence vault: preserved media and report context, encrypted, kept, then purged."""
