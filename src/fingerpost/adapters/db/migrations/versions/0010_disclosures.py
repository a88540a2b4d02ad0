"""disclosures: which involvements each enquiry disclosed, in a table of their own (docs/adr/0030)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 19:30:00

On the way up, every `enquiry:made` event's comma-joined `disclosed` detail is copied into the
table, a batch of events at a time. The detail itself stays: it is part of the event's Merkle
leaf, so it is never rewritten. On the way down the table goes, and the release before reads the
same disclosures from that detail again: nothing is lost either way.
"""

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BATCH = 5000
_ENQUIRIES = sa.text(
    "SELECT seq, detail FROM audit_events WHERE action = 'enquiry:made' AND seq > :after"
    " ORDER BY seq LIMIT :batch"
)
_DISCLOSURES = sa.table(
    "disclosures", sa.column("seq", sa.Integer), sa.column("involvement_id", sa.String)
)


def _disclosed(detail: str) -> list[str]:
    # The rule of this revision, kept here: a migration must not change with later code.
    named = json.loads(detail).get("disclosed", "")
    return list(dict.fromkeys(i for i in str(named).split(",") if i))


def upgrade() -> None:
    op.create_table(
        "disclosures",
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("involvement_id", sa.String(length=24), nullable=False),
        sa.ForeignKeyConstraint(
            ["seq"],
            ["audit_events.seq"],
            name=op.f("fk_disclosures_seq_audit_events"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("seq", "involvement_id", name=op.f("pk_disclosures")),
    )
    with op.batch_alter_table("disclosures", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_disclosures_involvement_id"), ["involvement_id"], unique=False
        )
    bind = op.get_bind()
    after = 0
    while True:
        events = bind.execute(_ENQUIRIES, {"after": after, "batch": _BATCH}).all()
        rows = [
            {"seq": seq, "involvement_id": involvement}
            for seq, detail in events
            for involvement in _disclosed(detail)
        ]
        if rows:
            bind.execute(sa.insert(_DISCLOSURES), rows)
        if len(events) < _BATCH:
            return
        after = events[-1][0]


def downgrade() -> None:
    with op.batch_alter_table("disclosures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_disclosures_involvement_id"))
    op.drop_table("disclosures")
