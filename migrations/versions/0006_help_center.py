"""Help center: sections, articles, "was this helpful" votes, suggestion opens, article search.

New tables only; tickets and messages are untouched. The search objects follow 0002: an FTS5
table over title and body kept in step by triggers on SQLite, a GIN expression index on
PostgreSQL (the expression is helpdesk.search.article_document).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

ARTICLE_STATE = sa.Enum("draft", "published", name="articlestate", native_enum=False, length=16)


def upgrade():
    op.create_table(
        "help_sections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_help_sections")),
        sa.UniqueConstraint("slug", name=op.f("uq_help_sections_slug")),
    )
    op.create_table(
        "articles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("section_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("slug", sa.String(length=120), nullable=False),
        sa.Column("summary", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("state", ARTICLE_STATE, nullable=False),
        sa.Column("report_category_id", sa.Integer(), nullable=True),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_articles_author_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["report_category_id"],
            ["categories.id"],
            name=op.f("fk_articles_report_category_id_categories"),
        ),
        sa.ForeignKeyConstraint(
            ["section_id"], ["help_sections.id"], name=op.f("fk_articles_section_id_help_sections")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_articles")),
        sa.UniqueConstraint("slug", name=op.f("uq_articles_slug")),
    )
    op.create_index("ix_articles_state_section", "articles", ["state", "section_id"])
    op.create_table(
        "article_votes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("voter_key", sa.String(length=80), nullable=False),
        sa.Column("helpful", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name=op.f("fk_article_votes_article_id_articles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_article_votes")),
        sa.UniqueConstraint(
            "article_id", "voter_key", name=op.f("uq_article_votes_article_id_voter_key")
        ),
    )
    op.create_table(
        "suggestion_opens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_key", sa.String(length=64), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name=op.f("fk_suggestion_opens_article_id_articles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suggestion_opens")),
        sa.UniqueConstraint(
            "session_key", "article_id", name=op.f("uq_suggestion_opens_session_key_article_id")
        ),
    )
    op.create_index(
        "ix_suggestion_opens_article_reported", "suggestion_opens", ["article_id", "reported_at"]
    )

    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE INDEX fts_articles ON articles "
            "USING gin (to_tsvector('simple', title || ' ' || body))"
        )
    else:
        _create_sqlite_fts()


def _create_sqlite_fts() -> None:
    """An external-content FTS5 index over title and body, kept in step by triggers."""
    op.execute(
        "CREATE VIRTUAL TABLE articles_fts USING fts5(title, body, content='articles', "
        "content_rowid='id', tokenize='unicode61 remove_diacritics 2')"
    )
    op.execute(
        "CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles BEGIN "
        "INSERT INTO articles_fts(rowid, title, body) VALUES (new.id, new.title, new.body); END"
    )
    op.execute(
        "CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles BEGIN "
        "INSERT INTO articles_fts(articles_fts, rowid, title, body) "
        "VALUES ('delete', old.id, old.title, old.body); END"
    )
    op.execute(
        "CREATE TRIGGER articles_fts_update AFTER UPDATE OF title, body ON articles BEGIN "
        "INSERT INTO articles_fts(articles_fts, rowid, title, body) "
        "VALUES ('delete', old.id, old.title, old.body); "
        "INSERT INTO articles_fts(rowid, title, body) VALUES (new.id, new.title, new.body); END"
    )
    op.execute("INSERT INTO articles_fts(articles_fts) VALUES ('rebuild')")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX fts_articles")
    else:
        for event in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER articles_fts_{event}")
        op.execute("DROP TABLE articles_fts")
    op.drop_index("ix_suggestion_opens_article_reported", table_name="suggestion_opens")
    op.drop_table("suggestion_opens")
    op.drop_table("article_votes")
    op.drop_index("ix_articles_state_section", table_name="articles")
    op.drop_table("articles")
    op.drop_table("help_sections")
