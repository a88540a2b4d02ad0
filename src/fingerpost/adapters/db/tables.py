"""The schema. It holds no child identity in the clear, and what it holds of an involvement beyond
its vocabulary and dates is sealed with the agency's data key (`sealed`, docs/adr/0009)."""

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)

__all__ = [
    "agencies",
    "audit_checkpoints",
    "audit_events",
    "blocking_keys",
    "disclosures",
    "gateways",
    "involvements",
    "links",
    "match_models",
    "metadata",
    "notifications",
    "reviews",
    "web_sessions",
]

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

agencies = Table(
    "agencies",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(32), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("authority_area", String(9), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("duty_phone", String(40), nullable=False, default=""),
    Column("duty_email", String(254), nullable=False, default=""),
    Column("out_of_hours_phone", String(40), nullable=False, default=""),
    Column("out_of_hours_name", String(100), nullable=False, default="", server_default=""),
    # `Mon-Fri 09:00-17:00` or `24/7` (domain.hours.OfficeHours); migrated rows get the default.
    Column(
        "office_hours",
        String(40),
        nullable=False,
        default="Mon-Fri 09:00-17:00",
        server_default="Mon-Fri 09:00-17:00",
    ),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    # Set when the agency left: its data is destroyed and nothing new is accepted from it.
    Column("decommissioned_at", DateTime(timezone=True), nullable=True),
)

involvements = Table(
    "involvements",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("public_id", String(24), nullable=False, unique=True),
    Column("agency_id", Integer, ForeignKey("agencies.id"), nullable=False),
    # Keyed hash of local_ref under the agency's data key: the idempotency lookup.
    Column("ref_hash", String(64), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("start_date", Date, nullable=False),
    Column("end_date", Date, nullable=True),
    Column("shielded", Boolean, nullable=False, default=False),
    # local_ref, practitioner contact and the child's encoding, AES-GCM under the agency's key.
    Column("sealed", LargeBinary, nullable=False),
    Column("identity_digest", String(64), nullable=False),
    # Keyed digest of the row as the agency last sent it in a snapshot (the key is the
    # gateway's, docs/adr/0021): equal digests mean "unchanged" without re-encoding. Cleared by
    # any other change, so a stale digest can never hide one.
    Column("row_digest", String(64), nullable=True),
    # Half-years (ages_out, ADR 0034) and months (expires_on) only: the hub cannot work back to a
    # date of birth.
    Column("ages_out", Date, nullable=True),
    Column("expires_on", Date, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("agency_id", "ref_hash", "kind"),
    Index(None, "expires_on"),
)

# The blocking index: a child's compound keyed keys, looked up by equality at enquiry time.
blocking_keys = Table(
    "blocking_keys",
    metadata,
    Column("key", BigInteger, primary_key=True),
    Column(
        "involvement_id",
        Integer,
        ForeignKey("involvements.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Index(None, "involvement_id"),
    # SQLite: the primary key is the table (no hidden rowid tree), one b-tree fewer per insert.
    sqlite_with_rowid=False,
)

links = Table(
    "links",
    metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "involvement_a", Integer, ForeignKey("involvements.id", ondelete="CASCADE"), nullable=False
    ),
    Column(
        "involvement_b", Integer, ForeignKey("involvements.id", ondelete="CASCADE"), nullable=False
    ),
    Column("confidence", String(16), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("involvement_a", "involvement_b"),
    Index(None, "involvement_b"),
)

notifications = Table(
    "notifications",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("public_id", String(24), nullable=False, unique=True),
    Column("agency_id", Integer, ForeignKey("agencies.id"), nullable=False),
    Column("recipient_email", String(254), nullable=False),
    # Empty for alerts to an agency's administrators (they concern no involvement).
    Column(
        "involvement_id", Integer, ForeignKey("involvements.id", ondelete="CASCADE"), nullable=True
    ),
    Column("kind", String(16), nullable=False),
    Column(
        "source_involvement_id",
        Integer,
        ForeignKey("involvements.id", ondelete="CASCADE"),
        nullable=True,
    ),
    # JSON sealed with the data key of the agency it describes (docs/adr/0009).
    Column("about_agency_id", Integer, ForeignKey("agencies.id"), nullable=False),
    Column("sealed_about", LargeBinary, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    # The outbox: e-mail delivery state (docs/adr/0006).
    Column("delivered_at", DateTime(timezone=True), nullable=True),
    Column("attempts", Integer, nullable=False, default=0, server_default="0"),
    Column("next_attempt_at", DateTime(timezone=True), nullable=True),
    Column("last_error", String(200), nullable=True),
    # The reference the message went out with (one per message: a digest's notifications share
    # it) and what the channel last said of it (GOV.UK Notify's status call-backs).
    Column("message_ref", String(40), nullable=True, index=True),
    Column("delivery_status", String(40), nullable=True),
    Index(None, "delivered_at", "next_attempt_at"),
    Index(None, "agency_id", "recipient_email"),
    Index(None, "involvement_id"),
    Index(None, "source_involvement_id"),
)

audit_events = Table(
    "audit_events",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("action", String(40), nullable=False),
    Column("actor", String(254), nullable=False),
    Column("agency", String(32), nullable=False),
    Column("purpose", Text, nullable=False, default=""),
    Column("result_count", Integer, nullable=False, default=0),
    Column("urgent", Boolean, nullable=False, default=False),
    Column("detail", Text, nullable=False, default="{}"),
    Column("leaf", String(64), nullable=False),  # RFC 9162 leaf hash, hex
    Index(None, "agency", "at"),
    # The enquiry limits and anomaly rules count one kind of event, by user or by agency, in
    # the last hour: straight to those rows, however many registrations share the hour.
    Index(None, "action", "actor", "at"),
    Index(None, "action", "agency", "at"),
)

# Which involvements each enquiry disclosed (its `enquiry:made` event, by sequence number): an
# index beside the log, written with the event, so that a child's disclosures are found by
# equality rather than by scanning every event's detail. Involvement ids are not foreign keys:
# the record of a disclosure outlives the involvement's purge. An event deleted (only ever by
# tampering, which verification finds) takes its rows with it.
disclosures = Table(
    "disclosures",
    metadata,
    Column("seq", Integer, ForeignKey("audit_events.seq", ondelete="CASCADE"), primary_key=True),
    Column("involvement_id", String(24), primary_key=True),
    Index(None, "involvement_id"),
)

# Urgent (break-glass) enquiries awaiting, or given, an auditor's finding.
reviews = Table(
    "reviews",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("public_id", String(24), nullable=False, unique=True),
    Column("enquiry_id", String(32), nullable=False),
    Column("actor", String(254), nullable=False),
    Column("actor_name", String(200), nullable=False),
    Column("actor_role", String(32), nullable=False),
    Column("agency", String(32), nullable=False),
    Column("purpose", Text, nullable=False),
    Column("result_count", Integer, nullable=False),
    Column("opened_at", DateTime(timezone=True), nullable=False),
    Column("closed_at", DateTime(timezone=True), nullable=True),
    Column("closed_by", String(254), nullable=True),
    Column("outcome", String(32), nullable=True),
    Column("note", Text, nullable=True),
    Index(None, "closed_at", "opened_at"),
)

# Users recorded on first sight (from their token), for administrators and the audit.
practitioners = Table(
    "practitioners",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("subject", String(254), nullable=False, unique=True),
    Column("agency", String(32), nullable=False),
    Column("role", String(32), nullable=False),
    Column("name", String(200), nullable=False),
    Column("email", String(254), nullable=False),
    Column("phone", String(40), nullable=False),
    Column("first_seen", DateTime(timezone=True), nullable=False),
    Column("last_seen", DateTime(timezone=True), nullable=False),
    Index(None, "agency"),
)

# Match models trained on the register (EM); the newest is in use.
match_models = Table(
    "match_models",
    metadata,
    Column("version", String(64), primary_key=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("body", Text, nullable=False),
)

# Signed tree heads, one per appending transaction. `frontier` lets the next append extend the
# tree in O(log n) without rereading the log.
audit_checkpoints = Table(
    "audit_checkpoints",
    metadata,
    Column("size", Integer, primary_key=True, autoincrement=False),
    Column("root", String(64), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("signature", String(128), nullable=False),
    Column("frontier", Text, nullable=False),
)

# The gateways the hub trusts (docs/adr/0026): each its own Ed25519 public key and the agencies
# it may act for. Revoked, never deleted, so that the audit log's gateway names stay explained.
gateways = Table(
    "gateways",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("public_key", String(100), nullable=False),
    Column("agencies", Text, nullable=False),  # agency codes, comma-separated, sorted
    Column("added_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
    # Whether it may send batch enquiries, and how many rows it has sent on `batch_day` (UTC),
    # against the hub's daily quota per gateway (ADR 0034).
    Column("may_batch", Boolean, nullable=False, server_default=false()),
    Column("batch_day", Date, nullable=True),
    Column("batch_rows", Integer, nullable=False, server_default="0"),
)

# Web sign-ins, by the SHA-256 of the session id the browser's cookie holds (a copy of this table
# signs nobody in). Deleted at sign-out, so that a copied cookie stops working; expired rows go
# when the next user signs in.
web_sessions = Table(
    "web_sessions",
    metadata,
    Column("id_hash", String(64), primary_key=True),
    Column("subject", String(254), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Index(None, "expires_at"),
)
