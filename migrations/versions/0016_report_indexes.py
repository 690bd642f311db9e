"""Indexes for the reports page: each query reads a period on one leading timestamp, with the
filters and the measured columns after it. At a million tickets they keep a week's or a
month's page fast, not a quarter's (measured: see the README's Reports section).

Plain CREATE INDEX statements (no batch copy). On a large PostgreSQL database, build them
beforehand with CREATE INDEX CONCURRENTLY under the same names to avoid locking writes.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04
"""

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

INDEXES = (
    (
        "ix_tickets_report_created",
        "tickets",
        ["created_at", "category_id", "source", "first_response_at", "reported_key"],
    ),
    (
        "ix_tickets_report_first_response",
        "tickets",
        ["first_response_at", "category_id", "source", "created_at", "assignee_id"],
    ),
    (
        "ix_tickets_report_solved",
        "tickets",
        ["solved_at", "category_id", "source", "created_at", "assignee_id"],
    ),
    ("ix_tickets_report_closed", "tickets", ["closed_at", "category_id", "source"]),
    ("ix_tickets_report_backlog", "tickets", ["status", "category_id", "source", "created_at"]),
    ("ix_messages_kind_created", "messages", ["kind", "created_at", "author_id"]),
    ("ix_outbound_mail_created_status", "outbound_mail", ["created_at", "status"]),
    ("ix_inbound_mail_received_outcome", "inbound_mail", ["received_at", "outcome"]),
    ("ix_suggestion_opens_opened", "suggestion_opens", ["opened_at"]),
)


def upgrade():
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade():
    for name, table, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
