"""Signal types (PDQ, vPDQ, MD5, SHA-256, ...): one class each, registered in registry.py.

Callers use `takedown.signals.service.hash_media` for uploads and
`takedown.signals.registry.normalise_signal` for hashes that arrive as text.
"""
