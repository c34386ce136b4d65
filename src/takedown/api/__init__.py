"""The HTTP surface: the FastAPI app, its dependencies, problems, health and metrics."""
