"""The `takedown` command line (Typer + Rich)."""
