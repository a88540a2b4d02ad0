"""Adapters: storage, keys and tokens, implementing the interfaces the service layer declares."""
