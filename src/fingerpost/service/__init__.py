"""The hub's use cases. They accept encoded identities only: the gateway encodes before calling."""
