"""Inbound mail keeps what our receiving server's Authentication-Results said and how intake
verified the sender, so agents see both next to every mailed message.

Plain nullable ADD COLUMNs: mail processed before this shows no results, as it had none read.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("inbound_mail", sa.Column("authentication", sa.Text(), nullable=True))
    op.add_column("inbound_mail", sa.Column("verified_by", sa.String(length=64), nullable=True))


def downgrade():
    op.drop_column("inbound_mail", "verified_by")
    op.drop_column("inbound_mail", "authentication")
