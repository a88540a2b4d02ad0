"""Errors the domain raises; entrypoints translate them into exit codes and problem+json."""

__all__ = [
    "DomainError",
    "InvalidValue",
    "LimitExceeded",
    "MassEnd",
    "NotFound",
    "OutOfScope",
    "PermissionDenied",
]


class DomainError(Exception):
    """A rule of signposting was broken by the input."""


class InvalidValue(DomainError):
    """A field holds a value the contract does not allow."""


class OutOfScope(DomainError):
    """The person is outside fingerpost's scope (aged 26 or more, or not yet born)."""


class NotFound(DomainError):
    """The object does not exist *for this caller* (never reveals whether it exists elsewhere)."""


class PermissionDenied(DomainError):
    """The caller's role may not do this."""


class LimitExceeded(DomainError):
    """Too many enquiries in the window: refused, audited and the agency's administrators
    alerted. An urgent (break-glass) enquiry by an allowed role still goes through."""

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after  # seconds until the window has room again


class MassEnd(DomainError):
    """A snapshot would end more of an agency's open involvements than the safety brake allows
    (a truncated export looks exactly like this): refused, nothing changed."""

    @classmethod
    def braked(cls, to_end: int, open_before: int, share: float) -> "MassEnd":
        return cls(
            f"this snapshot would end {to_end} of the agency's {open_before} open involvements,"
            f" more than {share * 100:g}%: nothing was changed. If the file is complete, run it"
            " again with --allow-mass-end (over HTTP, allow_mass_end=true)"
        )
