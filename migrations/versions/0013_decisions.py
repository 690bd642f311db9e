"""Decisions on tickets (the policy found violated, the action taken, an internal reason),
the admin-edited list of actions with its defaults, and each agent's choice to see evidence
images blurred.

New tables and a plain ADD COLUMN (no batch copy). The default actions come from the one list
in helpdesk.decisions, which also seeds a database built without migrations.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

from helpdesk.database import utcnow
from helpdesk.decisions import DEFAULT_ACTIONS

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade():
    actions = op.create_table(
        "decision_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decision_actions")),
        sa.UniqueConstraint("slug", name=op.f("uq_decision_actions_slug")),
    )
    op.create_table(
        "decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("policy_id", sa.Integer(), nullable=True),
        sa.Column("action_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_decisions_ticket_id_tickets")
        ),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["users.id"], name=op.f("fk_decisions_agent_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["policy_id"], ["categories.id"], name=op.f("fk_decisions_policy_id_categories")
        ),
        sa.ForeignKeyConstraint(
            ["action_id"],
            ["decision_actions.id"],
            name=op.f("fk_decisions_action_id_decision_actions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decisions")),
    )
    op.create_index("ix_decisions_ticket_created", "decisions", ["ticket_id", "created_at"])
    op.create_index("ix_decisions_created_at", "decisions", ["created_at"])
    op.add_column(
        "users",
        sa.Column("blur_evidence", sa.Boolean(), server_default=sa.true(), nullable=False),
    )
    now = utcnow()
    op.bulk_insert(
        actions,
        [
            {"slug": slug, "name": name, "sort_order": order, "active": True, "created_at": now}
            for order, (slug, name) in enumerate(DEFAULT_ACTIONS)
        ],
    )


def downgrade():
    op.drop_column("users", "blur_evidence")
    op.drop_index("ix_decisions_created_at", table_name="decisions")
    op.drop_index("ix_decisions_ticket_created", table_name="decisions")
    op.drop_table("decisions")
    op.drop_table("decision_actions")
