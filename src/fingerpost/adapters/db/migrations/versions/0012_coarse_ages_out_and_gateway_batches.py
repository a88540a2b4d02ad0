"""the age limit kept to the half-year; gateways' batch permission and daily quota (ADR 0034)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 23:30:00

`ages_out` was kept to the month, which gave away the year and month of birth of nearly every
child: each stored value is rounded *up* to the first 1 January or 1 July (never earlier, so
nobody is forgotten before the rule says), and `expires_on` with it where the age limit set it —
the earlier of the new limit and the month the end's retention gives, with the installation's
retention months (handed in by `engine.migrate`; the default otherwise). Going down leaves the
rounded values: the month cannot be recovered, by design.
"""

from collections.abc import Sequence
from datetime import date

import sqlalchemy as sa
from alembic import context, op

from fingerpost.domain.retention import DEFAULT_RETENTION_MONTHS, half_year_after, month_after

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _day(value: object) -> date | None:
    # SQLite reads a Date column through text() as its ISO string.
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def _coarsen(bind: sa.Connection, retention_months: int) -> None:
    rows = bind.execute(
        sa.text("SELECT id, ages_out, expires_on, end_date FROM involvements"
                " WHERE ages_out IS NOT NULL")
    ).all()  # fmt: skip
    for row in rows:
        old, expiry, end = _day(row.ages_out), _day(row.expires_on), _day(row.end_date)
        assert old is not None
        new = half_year_after(old)
        if new == old:
            continue
        if expiry == old:  # the age limit set it: the earlier of the new limit and the end's
            expiry = min(d for d in (new, end and month_after(end, retention_months)) if d)
        bind.execute(
            sa.text("UPDATE involvements SET ages_out = :a, expires_on = :e WHERE id = :id"),
            {"a": new, "e": expiry, "id": row.id},
        )


def upgrade() -> None:
    months = context.config.attributes.get("retention_months", DEFAULT_RETENTION_MONTHS)
    _coarsen(op.get_bind(), int(months))
    with op.batch_alter_table("gateways", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("may_batch", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("batch_day", sa.Date(), nullable=True))
        batch_op.add_column(
            sa.Column("batch_rows", sa.Integer(), nullable=False, server_default="0")
        )


def downgrade() -> None:
    with op.batch_alter_table("gateways", schema=None) as batch_op:
        batch_op.drop_column("batch_rows")
        batch_op.drop_column("batch_day")
        batch_op.drop_column("may_batch")
