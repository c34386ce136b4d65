"""Decoding attacker-controlled uploads safely: limits first, then images and videos to frames."""
