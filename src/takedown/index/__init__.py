"""The match index: exact lookups and PDQ range search over every enabled bank entry."""
