"""Command groups for `flask --app wsgi ...`: parse arguments, call the domain, print, exit."""

import click
from flask import Flask
from flask.cli import AppGroup

from . import accounts, seed
from .database import db
from .errors import DomainError
from .models import Role

users_cli = AppGroup("users", help="Manage accounts.")
seed_cli = AppGroup("seed", help="Load data.")


@users_cli.command("create")
@click.argument("email")
@click.option(
    "--role",
    type=click.Choice([role.value for role in Role]),
    default=Role.MEMBER.value,
    show_default=True,
)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--name", "display_name", help="Display name (default: the part before the @).")
def create_user(email: str, role: str, password: str, display_name: str | None) -> None:
    """Create an account with EMAIL."""
    try:
        user = accounts.create_user(
            email,
            password,
            role=Role(role),
            display_name=display_name or email.split("@", 1)[0],
            actor=None,
        )
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    click.echo(f"Created {user.role.value} {user.email} (id {user.id}).")


@seed_cli.command("demo")
def seed_demo() -> None:
    """Default categories, demo staff and members, and about fifty tickets (once)."""
    created = seed.seed_demo()
    db.session.commit()
    click.echo("Demo data loaded." if created else "Demo data was already there; nothing changed.")
    click.echo("Demo logins:")
    for role, email, password, _name in seed.DEMO_LOGINS:
        click.echo(f"  {role:<7} {email:<32} {password}")


def register_cli(app: Flask) -> None:
    app.cli.add_command(users_cli)
    app.cli.add_command(seed_cli)
