"""Statements of reasons (EU DSA Art 17, 24(5)) and the transparency report."""
