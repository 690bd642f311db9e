"""Personal data over its life: each category's retention period, legal hold on tickets, the
purged mark retention leaves, and redacted attachments.

Plain nullable ADD COLUMNs. On SQLite the legal-hold foreign key is written inline in ADD
COLUMN rather than by a batch copy of tickets, which would drop its search triggers; going
down, SQLite cannot drop a column with a foreign key, so the copy is made and the triggers
(as migration 0002 made them) are made again.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

HOLD_FK = "fk_tickets_legal_hold_by_id_users"


def upgrade():
    op.add_column("categories", sa.Column("retention_days", sa.Integer(), nullable=True))
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "ALTER TABLE tickets ADD COLUMN legal_hold_by_id INTEGER "
            f"CONSTRAINT {HOLD_FK} REFERENCES users (id)"
        )
    else:
        op.add_column("tickets", sa.Column("legal_hold_by_id", sa.Integer(), nullable=True))
        op.create_foreign_key(HOLD_FK, "tickets", "users", ["legal_hold_by_id"], ["id"])
    op.add_column("tickets", sa.Column("legal_hold_reason", sa.Text(), nullable=True))
    op.add_column("tickets", sa.Column("legal_hold_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("tickets", sa.Column("purged_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column(
        "attachments", sa.Column("redacted_at", sa.DateTime(timezone=True), nullable=True)
    )


def downgrade():
    op.drop_column("attachments", "redacted_at")
    op.drop_column("tickets", "purged_at")
    op.drop_column("tickets", "legal_hold_at")
    op.drop_column("tickets", "legal_hold_reason")
    if op.get_bind().dialect.name == "sqlite":
        _drop_sqlite_hold_column()
    else:
        op.drop_constraint(HOLD_FK, "tickets", type_="foreignkey")
        op.drop_column("tickets", "legal_hold_by_id")
    op.drop_column("categories", "retention_days")


def _drop_sqlite_hold_column() -> None:
    for event in ("insert", "delete", "update"):
        op.execute(f"DROP TRIGGER tickets_fts_{event}")
    with op.batch_alter_table("tickets") as batch_op:
        batch_op.drop_column("legal_hold_by_id")
    op.execute(
        "CREATE TRIGGER tickets_fts_insert AFTER INSERT ON tickets BEGIN "
        "INSERT INTO tickets_fts(rowid, subject) VALUES (new.id, new.subject); END"
    )
    op.execute(
        "CREATE TRIGGER tickets_fts_delete AFTER DELETE ON tickets BEGIN "
        "INSERT INTO tickets_fts(tickets_fts, rowid, subject) "
        "VALUES ('delete', old.id, old.subject); END"
    )
    op.execute(
        "CREATE TRIGGER tickets_fts_update AFTER UPDATE OF subject ON tickets BEGIN "
        "INSERT INTO tickets_fts(tickets_fts, rowid, subject) "
        "VALUES ('delete', old.id, old.subject); "
        "INSERT INTO tickets_fts(rowid, subject) VALUES (new.id, new.subject); END"
    )
