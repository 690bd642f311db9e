"""An API submission's fingerprint, so that an Idempotency-Key reused for other content is
refused instead of answered with the first report; and an index to find a key's report.

A plain ADD COLUMN and CREATE INDEX (no batch copy). Reports made before it have no
fingerprint: a retry of one of them is answered with it, as before.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("tickets", sa.Column("submission_fingerprint", sa.String(64), nullable=True))
    op.create_index("ix_tickets_submission_key", "tickets", ["submission_key"])


def downgrade():
    op.drop_index("ix_tickets_submission_key", table_name="tickets")
    op.drop_column("tickets", "submission_fingerprint")
