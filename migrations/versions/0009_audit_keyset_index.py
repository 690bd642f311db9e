"""The audit log's keyset: one index on (created_at, id), replacing the one on created_at.

Pages run newest first on (created_at, id); with both columns in the index, continuing after a
cursor is one range scan however many events share a timestamp.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-25
"""

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_audit_events_created_id", "audit_events", ["created_at", "id"])
    op.drop_index("ix_audit_events_created_at", table_name="audit_events")


def downgrade():
    op.create_index("ix_audit_events_created_at", "audit_events", ["created_at"])
    op.drop_index("ix_audit_events_created_id", table_name="audit_events")
