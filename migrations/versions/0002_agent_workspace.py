"""Agent workspace: canned replies, merged tickets, inbox indexes and full-text search.

Full-text search objects are engine-specific and live only here, not in the models:
FTS5 tables kept in step by triggers on SQLite, GIN expression indexes on PostgreSQL.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

STATUS = sa.Enum(
    "new", "open", "pending", "on_hold", "solved", "closed",
    name="status", native_enum=False, length=16,
)
PRIORITY = sa.Enum("low", "normal", "high", "urgent", name="priority", native_enum=False, length=16)

# (table, column): each searchable text column.
SEARCHED = [("tickets", "subject"), ("messages", "body")]


def upgrade():
    op.create_table(
        "canned_replies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("set_status", STATUS, nullable=True),
        sa.Column("set_priority", PRIORITY, nullable=True),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("usage_count", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_canned_replies_owner_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_canned_replies")),
    )
    with op.batch_alter_table("canned_replies") as batch_op:
        batch_op.create_index(batch_op.f("ix_canned_replies_owner_id"), ["owner_id"])

    with op.batch_alter_table("tickets") as batch_op:
        batch_op.add_column(sa.Column("merged_into_id", sa.Integer(), nullable=True))
        batch_op.drop_index("ix_tickets_category_status_created")
        batch_op.drop_index("ix_tickets_status_created")
        batch_op.create_index("ix_tickets_activity", ["last_activity_at", "id"])
        batch_op.create_index(
            "ix_tickets_category_status_activity", ["category_id", "status", "last_activity_at"]
        )
        batch_op.create_index("ix_tickets_status_activity", ["status", "last_activity_at", "id"])
        batch_op.create_foreign_key(
            batch_op.f("fk_tickets_merged_into_id_tickets"), "tickets", ["merged_into_id"], ["id"]
        )

    if op.get_bind().dialect.name == "postgresql":
        for table, column in SEARCHED:
            op.execute(
                f"CREATE INDEX fts_{table}_{column} ON {table} "
                f"USING gin (to_tsvector('simple', {column}))"
            )
    else:
        for table, column in SEARCHED:
            _create_sqlite_fts(table, column)


def _create_sqlite_fts(table: str, column: str) -> None:
    """An external-content FTS5 index over one column, kept in step by triggers."""
    fts = f"{table}_fts"
    op.execute(
        f"CREATE VIRTUAL TABLE {fts} USING fts5({column}, content='{table}', "
        f"content_rowid='id', tokenize='unicode61 remove_diacritics 2')"
    )
    op.execute(
        f"CREATE TRIGGER {fts}_insert AFTER INSERT ON {table} BEGIN "
        f"INSERT INTO {fts}(rowid, {column}) VALUES (new.id, new.{column}); END"
    )
    op.execute(
        f"CREATE TRIGGER {fts}_delete AFTER DELETE ON {table} BEGIN "
        f"INSERT INTO {fts}({fts}, rowid, {column}) VALUES ('delete', old.id, old.{column}); END"
    )
    op.execute(
        f"CREATE TRIGGER {fts}_update AFTER UPDATE OF {column} ON {table} BEGIN "
        f"INSERT INTO {fts}({fts}, rowid, {column}) VALUES ('delete', old.id, old.{column}); "
        f"INSERT INTO {fts}(rowid, {column}) VALUES (new.id, new.{column}); END"
    )
    op.execute(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for table, column in SEARCHED:
            op.execute(f"DROP INDEX fts_{table}_{column}")
    else:
        for table, _column in SEARCHED:
            for event in ("insert", "delete", "update"):
                op.execute(f"DROP TRIGGER {table}_fts_{event}")
            op.execute(f"DROP TABLE {table}_fts")

    with op.batch_alter_table("tickets") as batch_op:
        batch_op.drop_constraint("fk_tickets_merged_into_id_tickets", type_="foreignkey")
        batch_op.drop_index("ix_tickets_status_activity")
        batch_op.drop_index("ix_tickets_category_status_activity")
        batch_op.drop_index("ix_tickets_activity")
        batch_op.create_index("ix_tickets_status_created", ["status", "created_at"])
        batch_op.create_index(
            "ix_tickets_category_status_created", ["category_id", "status", "created_at"]
        )
        batch_op.drop_column("merged_into_id")

    with op.batch_alter_table("canned_replies") as batch_op:
        batch_op.drop_index("ix_canned_replies_owner_id")
    op.drop_table("canned_replies")
