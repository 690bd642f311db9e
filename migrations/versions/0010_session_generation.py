"""Sessions end on the server: a generation per account, carried in every session cookie.

A plain ADD COLUMN (no batch copy); the server default makes every existing account valid, and
cookies made before it (which carry no generation) are refused: those members log in again.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column(
        "users",
        sa.Column("session_generation", sa.Integer(), server_default="0", nullable=False),
    )


def downgrade():
    op.drop_column("users", "session_generation")
