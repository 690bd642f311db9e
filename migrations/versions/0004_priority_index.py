"""Inbox sorted by priority: an index per (status, priority) branch of the page merge.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    # A plain CREATE INDEX: a batch operation would copy the table on SQLite and lose the
    # full-text triggers of revision 0002.
    op.create_index(
        "ix_tickets_status_priority_activity",
        "tickets",
        ["status", "priority", "last_activity_at", "id"],
    )


def downgrade():
    op.drop_index("ix_tickets_status_priority_activity", table_name="tickets")
