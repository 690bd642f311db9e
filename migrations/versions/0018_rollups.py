"""Daily roll-ups for the reports page, and each ticket's first decision time.

report_counts is filled here from the tickets, decisions and public replies, by day of the desk's time zone
(HELPDESK_TIME_ZONE, recorded in report_rollup_state); the app keeps it from then on
(helpdesk.reports.rollups). tickets.first_decision_at is filled from the decisions.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op
from flask import current_app

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

TICKET_MEASURES = {"received": "created_at", "solved": "solved_at", "closed": "closed_at"}


def _local_day(column: str, zone: str) -> str:
    """The day on which a UTC timestamp falls in `zone`, as the app's roll-ups count it."""
    if op.get_bind().dialect.name == "postgresql":
        return f"CAST(timezone('{zone}', {column}) AS DATE)"
    return f"hd_local_date({column}, '{zone}')"  # registered on every SQLite connection


def _fill_counts(zone: str) -> None:
    for measure, column in TICKET_MEASURES.items():
        day = _local_day(f"t.{column}", zone)
        op.execute(
            "INSERT INTO report_counts "
            "(measure, day, category_id, source, action_id, policy_id, agent_id, count) "
            f"SELECT '{measure}', {day}, t.category_id, t.source, 0, 0, 0, count(*) "
            f"FROM tickets t WHERE t.{column} IS NOT NULL "
            f"GROUP BY {day}, t.category_id, t.source"
        )
    day = _local_day("d.created_at", zone)
    op.execute(
        "INSERT INTO report_counts "
        "(measure, day, category_id, source, action_id, policy_id, agent_id, count) "
        f"SELECT 'decided', {day}, t.category_id, t.source, d.action_id, "
        "coalesce(d.policy_id, 0), d.agent_id, count(*) "
        "FROM decisions d JOIN tickets t ON t.id = d.ticket_id "
        f"GROUP BY {day}, t.category_id, t.source, d.action_id, coalesce(d.policy_id, 0), "
        "d.agent_id"
    )
    day = _local_day("m.created_at", zone)
    op.execute(
        "INSERT INTO report_counts "
        "(measure, day, category_id, source, action_id, policy_id, agent_id, count) "
        f"SELECT 'replied', {day}, t.category_id, t.source, 0, 0, coalesce(m.author_id, 0), "
        "count(*) "
        "FROM messages m JOIN tickets t ON t.id = m.ticket_id "
        "WHERE m.kind = 'reply' AND m.merged_from_id IS NULL "
        f"GROUP BY {day}, t.category_id, t.source, coalesce(m.author_id, 0)"
    )


def upgrade():
    op.create_table(
        "report_counts",
        sa.Column("measure", sa.String(16), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("action_id", sa.Integer(), nullable=False),
        sa.Column("policy_id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "measure",
            "day",
            "category_id",
            "source",
            "action_id",
            "policy_id",
            "agent_id",
            name=op.f("pk_report_counts"),
        ),
    )
    op.create_table(
        "report_rollup_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("time_zone", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_rollup_state")),
    )
    op.add_column("tickets", sa.Column("first_decision_at", sa.DateTime(timezone=True)))
    op.execute(
        "UPDATE tickets SET first_decision_at = "
        "(SELECT min(d.created_at) FROM decisions d WHERE d.ticket_id = tickets.id) "
        "WHERE id IN (SELECT ticket_id FROM decisions)"
    )
    op.create_index(
        "ix_tickets_report_first_decision",
        "tickets",
        ["first_decision_at", "category_id", "source", "created_at"],
    )
    zone = current_app.config["HELPDESK_TIME_ZONE"]
    _fill_counts(zone)
    op.execute(
        sa.table("report_rollup_state", sa.column("id"), sa.column("time_zone"))
        .insert()
        .values(id=1, time_zone=zone)
    )


def downgrade():
    op.drop_index("ix_tickets_report_first_decision", table_name="tickets")
    op.drop_column("tickets", "first_decision_at")  # plain, so SQLite keeps the search triggers
    op.drop_table("report_rollup_state")
    op.drop_table("report_counts")
