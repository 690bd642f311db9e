"""Reports name a member in any case, and the privacy guard looks up their accounts by the
lower-cased marketplace id on every acknowledgment: an index on that expression, where the
query read the whole users table.

SQLite cannot reflect an index on an expression: a later migration that rebuilds `users` in
batch mode there must create this index again, as 0017 does for the full-text triggers.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_users_marketplace_id_lower", "users", [sa.func.lower(sa.text("marketplace_id"))]
    )


def downgrade():
    op.drop_index("ix_users_marketplace_id_lower", table_name="users")
