"""Anti-browsing policy: how many enquiries are too many, and what looks like browsing.

Hard limits refuse (429, audited, the agency's administrators alerted); anomaly rules only alert.
An urgent (break-glass) enquiry by an allowed role passes every limit, is flagged and opens a
review that an auditor must close. The numbers are settings (docs/configuration.md).
"""

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from fingerpost.domain.vocabulary import Role

__all__ = ["STRONG_AUTH_ACTIONS", "EnquiryPolicy"]

# What `strong_auth_for` may name: urgent (break-glass) enquiries, shielding or unshielding an
# involvement, overriding another agency's shield, reading the audit log, and a batch of
# enquiries from a file (which passes the anti-browsing limits).
STRONG_AUTH_ACTIONS = frozenset({"urgent", "shield", "shield-override", "audit-read", "batch"})

_LONDON = ZoneInfo("Europe/London")


@dataclass(frozen=True, slots=True)
class EnquiryPolicy:
    window: timedelta = timedelta(hours=1)
    per_user: int = 30  # enquiries by one user per window (refused above)
    per_agency: int = 600  # enquiries by one agency per window (refused above)
    no_match_alert: int = 15  # a user's enquiries finding nobody, per window (alert)
    out_of_hours_alert: int = 10  # a user's enquiries out of hours, per window (alert)
    out_of_hours: tuple[time, time] = (time(22, 0), time(6, 0))  # local time, Europe/London
    urgent_roles: frozenset[Role] = field(
        default_factory=lambda: frozenset({Role.PRACTITIONER, Role.AGENCY_ADMIN})
    )
    # Who may see past another agency's shield, with a stated reason (audited, the shielding
    # agency alerted).
    override_roles: frozenset[Role] = field(default_factory=lambda: frozenset({Role.AGENCY_ADMIN}))
    # Actions that need strong (multi-factor) authentication, by name (see STRONG_AUTH_ACTIONS).
    strong_auth_for: frozenset[str] = field(
        default_factory=lambda: frozenset({"urgent", "shield", "shield-override", "batch"})
    )

    def is_out_of_hours(self, moment: datetime) -> bool:
        local = moment.astimezone(_LONDON).time()
        start, end = self.out_of_hours
        return local >= start or local < end if start > end else start <= local < end
