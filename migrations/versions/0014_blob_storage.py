"""Blobs behind one storage interface: the `blobs` table of the database backend, and raw
inbound mail moved out of `inbound_mail.raw` into storage under `mail/<id>`.

The upgrade moves each stored raw message into `blobs` (so nothing is lost whatever the
configured backend); a deployment on the filesystem or S3 then runs
`flask --app wsgi storage migrate --from database --to filesystem` (or `s3`) once. The
downgrade puts back what `blobs` holds of raw mail (an empty message where storage elsewhere
kept it: move it into the database first).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "blobs",
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_blobs")),
    )
    op.execute(
        "INSERT INTO blobs (key, data, size, created_at) "
        "SELECT 'mail/' || CAST(id AS VARCHAR(20)), raw, size, received_at FROM inbound_mail"
    )
    with op.batch_alter_table("inbound_mail") as batch:
        batch.drop_column("raw")


def downgrade():
    with op.batch_alter_table("inbound_mail") as batch:
        batch.add_column(sa.Column("raw", sa.LargeBinary(), nullable=True))
    op.execute(
        "UPDATE inbound_mail SET raw = (SELECT data FROM blobs "
        "WHERE blobs.key = 'mail/' || CAST(inbound_mail.id AS VARCHAR(20)))"
    )
    op.execute("UPDATE inbound_mail SET raw = '' WHERE raw IS NULL")
    with op.batch_alter_table("inbound_mail") as batch:
        batch.alter_column("raw", existing_type=sa.LargeBinary(), nullable=False)
    op.drop_table("blobs")
