"""How the response is running: one overview of the backlog, time to action and the pipelines."""
