"""Hash banks kept in step with a hash exchange (NCMEC hash sharing, StopNCII, a local file)."""
