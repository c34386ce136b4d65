"""Takedown: a child-safety response platform that runs beside a platform."""

__version__ = "0.1.0"
