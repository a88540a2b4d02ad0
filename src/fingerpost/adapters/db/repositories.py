"""The SQL repositories, one module per aggregate (docs/adr/0030); kept as one name to import."""

from .agencies import SqlAgencies
from .audit_log import SqlAuditLog
from .involvements import SqlInvolvements
from .links import SqlLinks
from .models import SqlModels
from .notifications import SqlNotifications
from .practitioners import SqlPractitioners
from .reviews import SqlReviews

__all__ = [
    "SqlAgencies",
    "SqlAuditLog",
    "SqlInvolvements",
    "SqlLinks",
    "SqlModels",
    "SqlNotifications",
    "SqlPractitioners",
    "SqlReviews",
]
