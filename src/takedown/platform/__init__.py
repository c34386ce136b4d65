"""Talking to the platform we protect: fetching a reported item's media by content id."""
