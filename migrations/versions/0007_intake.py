"""Mail intake: the raw log of inbound mail, and the addresses that choose a category.

Only new tables: nothing existing is altered. outbound_mail's new `bounced` status is a value
of its plain string column.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

OUTCOMES = ("received", "created", "appended", "duplicate", "ignored", "quarantined")


def upgrade():
    op.create_table(
        "mail_aliases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("address", sa.String(length=254), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["category_id"], ["categories.id"], name=op.f("fk_mail_aliases_category_id_categories")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_aliases")),
        sa.UniqueConstraint("address", name=op.f("uq_mail_aliases_address")),
    )
    op.create_table(
        "inbound_mail",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=255), nullable=True),
        sa.Column("recipients", sa.JSON(), nullable=False),
        sa.Column("raw", sa.LargeBinary(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("message_id", sa.String(length=255), nullable=True),
        sa.Column("sender", sa.String(length=254), nullable=True),
        sa.Column("subject", sa.String(length=255), nullable=True),
        sa.Column(
            "outcome",
            sa.Enum(*OUTCOMES, name="inboundoutcome", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("thread_message_id", sa.Integer(), nullable=True),
        sa.Column("duplicate_of_id", sa.Integer(), nullable=True),
        sa.Column("first_message_id", sa.String(length=255), nullable=True),
        sa.Column("first_sha256", sa.String(length=64), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["duplicate_of_id"],
            ["inbound_mail.id"],
            name=op.f("fk_inbound_mail_duplicate_of_id_inbound_mail"),
        ),
        sa.ForeignKeyConstraint(
            ["thread_message_id"],
            ["messages.id"],
            name=op.f("fk_inbound_mail_thread_message_id_messages"),
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_inbound_mail_ticket_id_tickets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbound_mail")),
        sa.UniqueConstraint("first_message_id", name=op.f("uq_inbound_mail_first_message_id")),
        sa.UniqueConstraint("first_sha256", name=op.f("uq_inbound_mail_first_sha256")),
    )
    op.create_index("ix_inbound_mail_message_id", "inbound_mail", ["message_id"])
    op.create_index("ix_inbound_mail_outcome_id", "inbound_mail", ["outcome", "id"])
    op.create_index("ix_inbound_mail_sha256", "inbound_mail", ["sha256"])
    op.create_index("ix_inbound_mail_thread_message_id", "inbound_mail", ["thread_message_id"])
    op.create_index("ix_inbound_mail_ticket_id", "inbound_mail", ["ticket_id"])


def downgrade():
    op.drop_table("inbound_mail")
    op.drop_table("mail_aliases")
