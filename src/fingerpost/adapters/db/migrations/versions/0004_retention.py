"""retention and encryption at rest: sealed involvement fields, expiry months, decommissioning

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 19:30:00

Existing involvements are sealed with their agency's data key on the way up (and opened again on
the way down): the installation's keyring is handed in by `engine.migrate`.
"""

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op

from fingerpost.adapters.crypto import Keyring
from fingerpost.adapters.db.sealed import open_about, open_sealed, seal, seal_about
from fingerpost.matching.encode import EncodedIdentity

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_CLEAR = ("practitioner_name", "practitioner_role", "practitioner_phone", "practitioner_email")


def _as_json(stored: bytes) -> str:
    """The identity column held JSON: a packed encoding (release 4 on) is written back as it."""
    if stored[:1] == b"{":
        return stored.decode()
    return EncodedIdentity.from_stored(stored).to_json()


def _keyring() -> Keyring:
    keyring = context.config.attributes.get("keyring")
    if keyring is None:
        raise RuntimeError("sealing stored involvements needs the installation's keys")
    return keyring  # type: ignore[no-any-return]


def upgrade() -> None:
    with op.batch_alter_table("agencies", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("decommissioned_at", sa.DateTime(timezone=True), nullable=True)
        )
    with op.batch_alter_table("involvements", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ref_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("sealed", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("ages_out", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("expires_on", sa.Date(), nullable=True))
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "SELECT i.id, i.public_id, a.code, i.local_ref, i.practitioner_name,"
            " i.practitioner_role, i.practitioner_phone, i.practitioner_email, i.identity"
            " FROM involvements i JOIN agencies a ON a.id = i.agency_id"
        )
    ).all()
    if rows:
        keyring = _keyring()
        for row in rows:
            ref_hash, sealed = seal(
                keyring.current(row.code),
                row.public_id,
                row.local_ref,
                (
                    row.practitioner_name,
                    row.practitioner_role,
                    row.practitioner_phone,
                    row.practitioner_email,
                ),
                row.identity.encode(),  # the JSON the identity column held
            )
            bind.execute(
                sa.text("UPDATE involvements SET ref_hash = :h, sealed = :s WHERE id = :id"),
                {"h": ref_hash, "s": sealed, "id": row.id},
            )
    with op.batch_alter_table("involvements", schema=None) as batch_op:
        batch_op.drop_constraint("uq_involvements_agency_id_local_ref_kind", type_="unique")
        for column in ("local_ref", *_CLEAR, "identity"):
            batch_op.drop_column(column)
        batch_op.alter_column("ref_hash", existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column("sealed", existing_type=sa.LargeBinary(), nullable=False)
        batch_op.create_unique_constraint(
            batch_op.f("uq_involvements_agency_id_ref_hash_kind"), ["agency_id", "ref_hash", "kind"]
        )
        batch_op.create_index(
            batch_op.f("ix_involvements_expires_on"), ["expires_on"], unique=False
        )
    _seal_notifications(bind)


def _seal_notifications(bind: sa.Connection) -> None:
    """What notifications say is sealed with the recipient agency's key (new ones: the key of
    the agency they describe)."""
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("about_agency_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("sealed_about", sa.LargeBinary(), nullable=True))
    rows = bind.execute(
        sa.text(
            "SELECT n.id, n.public_id, n.agency_id, a.code, n.about FROM notifications n"
            " JOIN agencies a ON a.id = n.agency_id"
        )
    ).all()
    if rows:
        keyring = _keyring()
        for row in rows:
            sealed = seal_about(keyring.current(row.code), row.public_id, json.loads(row.about))
            bind.execute(
                sa.text(
                    "UPDATE notifications SET about_agency_id = :a, sealed_about = :s"
                    " WHERE id = :id"
                ),
                {"a": row.agency_id, "s": sealed, "id": row.id},
            )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_column("about")
        batch_op.alter_column("about_agency_id", existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column("sealed_about", existing_type=sa.LargeBinary(), nullable=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_notifications_about_agency_id_agencies"),
            "agencies",
            ["about_agency_id"],
            ["id"],
        )


def _open_notifications(bind: sa.Connection) -> None:
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("about", sa.Text(), nullable=True))
    rows = bind.execute(
        sa.text(
            "SELECT n.id, n.public_id, a.code, n.sealed_about FROM notifications n"
            " JOIN agencies a ON a.id = n.about_agency_id"
        )
    ).all()
    if rows:
        keyring = _keyring()
        for row in rows:
            about = open_about(keyring, row.code, row.public_id, row.sealed_about)
            bind.execute(
                sa.text("UPDATE notifications SET about = :b WHERE id = :id"),
                {"b": json.dumps(about, sort_keys=True), "id": row.id},
            )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_notifications_about_agency_id_agencies"), type_="foreignkey"
        )
        batch_op.drop_column("about_agency_id")
        batch_op.drop_column("sealed_about")
        batch_op.alter_column("about", existing_type=sa.Text(), nullable=False)


def downgrade() -> None:
    bind = op.get_bind()
    _open_notifications(bind)
    with op.batch_alter_table("involvements", schema=None) as batch_op:
        batch_op.add_column(sa.Column("local_ref", sa.String(length=64), nullable=True))
        for column, length in zip(_CLEAR, (200, 200, 40, 254), strict=True):
            batch_op.add_column(sa.Column(column, sa.String(length=length), nullable=True))
        batch_op.add_column(sa.Column("identity", sa.Text(), nullable=True))
    rows = bind.execute(
        sa.text(
            "SELECT i.id, i.public_id, a.code, i.sealed FROM involvements i"
            " JOIN agencies a ON a.id = i.agency_id"
        )
    ).all()
    if rows:
        keyring = _keyring()
        for row in rows:
            opened = open_sealed(keyring, row.code, row.public_id, row.sealed)
            name, role, phone, email = opened.contact
            bind.execute(
                sa.text(
                    "UPDATE involvements SET local_ref = :r, practitioner_name = :n,"
                    " practitioner_role = :o, practitioner_phone = :p, practitioner_email = :e,"
                    " identity = :i WHERE id = :id"
                ),
                {
                    "r": opened.local_ref,
                    "n": name,
                    "o": role,
                    "p": phone,
                    "e": email,
                    "i": _as_json(opened.identity),
                    "id": row.id,
                },
            )
    with op.batch_alter_table("involvements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_involvements_expires_on"))
        batch_op.drop_constraint("uq_involvements_agency_id_ref_hash_kind", type_="unique")
        for column in ("ref_hash", "sealed", "ages_out", "expires_on"):
            batch_op.drop_column(column)
        for column in ("local_ref", *_CLEAR, "identity"):
            batch_op.alter_column(column, existing_type=sa.Text(), nullable=False)
        batch_op.create_unique_constraint(
            batch_op.f("uq_involvements_agency_id_local_ref_kind"),
            ["agency_id", "local_ref", "kind"],
        )
    with op.batch_alter_table("agencies", schema=None) as batch_op:
        batch_op.drop_column("decommissioned_at")
