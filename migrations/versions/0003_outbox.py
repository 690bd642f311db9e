"""Outbound mail: the outbox table, and the Message-ID each ticket message carries in mail.

The messages table keeps its full-text triggers from revision 0002, so it is altered in place
(recreate="never"), never copied: a copied SQLite table would lose them.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

MAIL_KIND = sa.Enum(
    "report_received", "followup_received", "agent_reply", "password_reset",
    name="mailkind", native_enum=False, length=32,
)
MAIL_STATUS = sa.Enum(
    "queued", "sent", "failed", "blocked", "suppressed",
    name="mailstatus", native_enum=False, length=16,
)


def upgrade():
    op.create_table(
        "outbound_mail",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", MAIL_KIND, nullable=False),
        sa.Column("status", MAIL_STATUS, nullable=False),
        sa.Column("recipient", sa.String(length=254), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("email_message_id", sa.String(length=255), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("body_text", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=True),
        sa.Column("headers", sa.JSON(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_by", sa.String(length=64), nullable=True),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["message_id"], ["messages.id"], name=op.f("fk_outbound_mail_message_id_messages")
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_outbound_mail_ticket_id_tickets")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_outbound_mail_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbound_mail")),
        sa.UniqueConstraint("email_message_id", name=op.f("uq_outbound_mail_email_message_id")),
    )
    with op.batch_alter_table("outbound_mail") as batch_op:
        batch_op.create_index(
            "ix_outbound_mail_recipient_created", ["recipient", "created_at"]
        )
        batch_op.create_index("ix_outbound_mail_status_due", ["status", "next_attempt_at"])
        batch_op.create_index(batch_op.f("ix_outbound_mail_ticket_id"), ["ticket_id"])

    with op.batch_alter_table("messages", recreate="never") as batch_op:
        batch_op.add_column(sa.Column("email_message_id", sa.String(length=255), nullable=True))
        batch_op.create_index(batch_op.f("ix_messages_email_message_id"), ["email_message_id"])


def downgrade():
    with op.batch_alter_table("messages", recreate="never") as batch_op:
        batch_op.drop_index("ix_messages_email_message_id")
        batch_op.drop_column("email_message_id")

    with op.batch_alter_table("outbound_mail") as batch_op:
        batch_op.drop_index("ix_outbound_mail_ticket_id")
        batch_op.drop_index("ix_outbound_mail_status_due")
        batch_op.drop_index("ix_outbound_mail_recipient_created")
    op.drop_table("outbound_mail")
