"""Alembic environment: the app's own engine and metadata, so migrations and models agree."""

import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app

from helpdesk.database import UTCDateTime
from helpdesk.search import is_search_object

config = context.config
fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

migrate = current_app.extensions["migrate"]
engine = migrate.db.engine
target_metadata = migrate.db.metadata
config.set_main_option(
    "sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%")
)


def skip_empty_autogenerate(context, revision, directives):
    """`flask db migrate` with no model change writes no empty revision."""
    if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
        directives[:] = []
        logger.info("No changes in schema detected.")


def include_object(object_, name, type_, reflected, compare_to):
    """Leave the engine-specific search objects of revision 0002 out of autogenerate."""
    return not is_search_object(name) and not (
        type_ == "table" and is_search_object(getattr(object_, "name", ""))
    )


def render_item(type_, obj, autogen_context):
    """Write the app's timestamp type as the plain SQLAlchemy type it stores."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def run_migrations_offline():
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    options = {
        "process_revision_directives": skip_empty_autogenerate,
        "render_as_batch": True,  # SQLite alters tables by copying them
        "compare_type": True,
        "include_object": include_object,
        "render_item": render_item,
        **migrate.configure_args,
    }
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata, **options)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
