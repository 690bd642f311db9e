"""Category questions: the extra questions a category's report form asks, and the answers a
ticket recorded.

Two JSON columns added in place with plain ALTER TABLE statements, never a batch copy: copying
`tickets` on SQLite would drop its full-text triggers (see 0005). The server default makes every
existing row valid at once: no category asks anything, no ticket answered anything.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column(
        "categories", sa.Column("questions", sa.JSON(), server_default="[]", nullable=False)
    )
    op.add_column("tickets", sa.Column("answers", sa.JSON(), server_default="[]", nullable=False))


def downgrade():
    op.drop_column("tickets", "answers")
    op.drop_column("categories", "questions")
