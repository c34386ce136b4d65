"""Platform accounts as Takedown sees them: strikes, suspension, flags for review, history."""
