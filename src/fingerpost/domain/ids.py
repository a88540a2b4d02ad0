"""Public ids: what the API, the CLI and notifications call an involvement, enquiry or review."""

import secrets

__all__ = ["new_id"]


def new_id() -> str:
    """A random id (96 bits, URL-safe) that starts with a letter or digit: a command line would
    read a leading '-' as an option."""
    while not (candidate := secrets.token_urlsafe(12))[0].isalnum():
        pass
    return candidate
