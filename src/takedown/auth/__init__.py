"""Who may call what: platform API keys with scopes, staff users with roles."""
