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

    @classmethod
    def system(cls, agency: str, name: str = "command line") -> "Actor":
        """An operator acting through the command line on behalf of an agency."""
        return cls(subject=f"cli:{agency}", name=name, agency=agency, role=Role.AGENCY_ADMIN)
