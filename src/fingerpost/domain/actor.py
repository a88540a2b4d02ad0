"""Who is acting: every use case takes one, and every audit event names one."""

from dataclasses import dataclass

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
