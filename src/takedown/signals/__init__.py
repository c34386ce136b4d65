"""Signal types (PDQ, vPDQ, MD5, SHA-256, ...): one class each, registered in one place."""
