"""audit indexes for the enquiry limits: by action, then user or agency, then time

Revision ID: 0006
Revises: 0004
Create Date: 2026-12-01 19:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_events_actor_at"))
        batch_op.create_index(
            batch_op.f("ix_audit_events_action_actor_at"), ["action", "actor", "at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_audit_events_action_agency_at"), ["action", "agency", "at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_events_action_agency_at"))
        batch_op.drop_index(batch_op.f("ix_audit_events_action_actor_at"))
        batch_op.create_index(batch_op.f("ix_audit_events_actor_at"), ["actor", "at"], unique=False)
