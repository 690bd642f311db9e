"""Finding people and merging reports: the names search matches, read as the privacy guard
reads them (spelling.letters), and messages carried over from a merged duplicate.

users.name_key and tickets.reported_letters are filled here from what is stored (a ticket's
reported_key has the same letters as the name it was made from); the app keeps them from then
on. The tickets are updated once per distinct reported member, through the reported_key index.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04
"""

from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op

from helpdesk.mail.spelling import letters

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

BATCH = 1_000
FOREIGN_KEY = "fk_messages_merged_from_id_tickets"


def upgrade():
    op.add_column(
        "users", sa.Column("name_key", sa.String(100), nullable=False, server_default="")
    )
    op.add_column("tickets", sa.Column("reported_letters", sa.String(100), nullable=True))
    _add_merged_from()
    _fill_name_keys()
    _fill_reported_letters()
    op.create_index(
        "ix_users_name_key",
        "users",
        ["name_key"],
        postgresql_ops={"name_key": "text_pattern_ops"},
    )
    op.create_index("ix_tickets_reported_letters", "tickets", ["reported_letters"])
    op.create_index("ix_messages_merged_from_id", "messages", ["merged_from_id"])


def _add_merged_from():
    op.add_column("messages", sa.Column("merged_from_id", sa.Integer(), nullable=True))
    with _messages_batch() as batch:
        batch.create_foreign_key(
            FOREIGN_KEY, "tickets", ["merged_from_id"], ["id"], ondelete="SET NULL"
        )


@contextmanager
def _messages_batch():
    """Batch changes to messages. SQLite makes them by copying the table, which drops its
    triggers (those that keep the full-text index): they are made again after the copy."""
    connection = op.get_bind()
    triggers = []
    if connection.dialect.name == "sqlite":
        triggers = connection.scalars(
            sa.text("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = :t"),
            {"t": "messages"},
        ).all()
    with op.batch_alter_table("messages") as batch:
        yield batch
    for trigger in triggers:
        op.execute(trigger)


def _fill_name_keys():
    connection = op.get_bind()
    users = sa.table("users", sa.column("id"), sa.column("display_name"), sa.column("name_key"))
    update = (
        users.update()
        .where(users.c.id == sa.bindparam("user_id"))
        .values(name_key=sa.bindparam("key"))
    )
    last = 0
    while rows := connection.execute(
        sa.select(users.c.id, users.c.display_name)
        .where(users.c.id > last)
        .order_by(users.c.id)
        .limit(BATCH)
    ).all():
        connection.execute(
            update, [{"user_id": id_, "key": letters(name)[:100]} for id_, name in rows]
        )
        last = rows[-1][0]


def _fill_reported_letters():
    connection = op.get_bind()
    tickets = sa.table("tickets", sa.column("reported_key"), sa.column("reported_letters"))
    keys = connection.scalars(
        sa.select(tickets.c.reported_key).where(tickets.c.reported_key.is_not(None)).distinct()
    ).all()
    for key in keys:
        connection.execute(
            tickets.update()
            .where(tickets.c.reported_key == key)
            .values(reported_letters=letters(key)[:100] or None)
        )


def downgrade():
    op.drop_index("ix_messages_merged_from_id", table_name="messages")
    op.drop_index("ix_tickets_reported_letters", table_name="tickets")
    op.drop_index("ix_users_name_key", table_name="users")
    with _messages_batch() as batch:
        batch.drop_constraint(FOREIGN_KEY, type_="foreignkey")
        batch.drop_column("merged_from_id")
    op.drop_column("tickets", "reported_letters")
    op.drop_column("users", "name_key")
