"""Who is acting: every use case takes one, and every audit event names one."""

from dataclasses import dataclass

from fingerpost.domain.values import without_invisibles
from fingerpost.domain.vocabulary import Role

__all__ = ["Actor"]


@dataclass(frozen=True, slots=True)
class Actor:
    subject: str  # stable identifier from the token (e.g. the user's email)
    name: str
    agency: str  # agency code
    role: Role
    email: str = ""
    phone: str = ""
    # Signed in with strong (multi-factor) authentication: the token's `acr` claim says so.
    strong_auth: bool = False
    # At the hub: the gateway that vouched for this person (docs/adr/0026); empty in-process.
    gateway: str = ""

    def __post_init__(self) -> None:
        # What other people are shown (notifications, e-mails, listings) reads as it looks: a
        # claim cannot be retyped like a form, so invisible and control characters are removed.
        for field in ("name", "email", "phone"):
            object.__setattr__(self, field, without_invisibles(getattr(self, field)))

    @classmethod
    def system(cls, agency: str, name: str = "command line") -> "Actor":
        """An operator acting through the command line on behalf of an agency (on the server
        itself, so as strongly authenticated as anyone can be)."""
        return cls(
            subject=f"cli:{agency}",
            name=name,
            agency=agency,
            role=Role.AGENCY_ADMIN,
            strong_auth=True,
        )
