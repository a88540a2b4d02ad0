"""office hours and what the out-of-hours number is, per agency; the reference and delivery
status of each notification's message (GOV.UK Notify)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 16:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("agencies", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("out_of_hours_name", sa.String(length=100), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column(
                "office_hours",
                sa.String(length=40),
                nullable=False,
                server_default="Mon-Fri 09:00-17:00",
            )
        )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("message_ref", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("delivery_status", sa.String(length=40), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_notifications_message_ref"), ["message_ref"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notifications_message_ref"))
        batch_op.drop_column("delivery_status")
        batch_op.drop_column("message_ref")
    with op.batch_alter_table("agencies", schema=None) as batch_op:
        batch_op.drop_column("office_hours")
        batch_op.drop_column("out_of_hours_name")
