"""Staff provisioning by the organisation's identity provider (SCIM 2.0, RFC 7643/7644)."""
