"""Command groups for `flask --app wsgi ...`: parse arguments, call the domain, print, exit."""

import signal
import threading

import click
from flask import Flask
from flask.cli import AppGroup

from . import accounts, api_tokens, outbox, seed, tickets
from .database import db
from .errors import DomainError
from .models import ApiToken, Role

users_cli = AppGroup("users", help="Manage accounts.")
seed_cli = AppGroup("seed", help="Load data.")
tickets_cli = AppGroup("tickets", help="Ticket housekeeping.")
outbox_cli = AppGroup("outbox", help="Send queued mail.")


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


@tickets_cli.command("autoclose")
@click.option("--days", default=4, show_default=True, type=click.IntRange(min=0))
def autoclose(days: int) -> None:
    """Close tickets solved more than DAYS days ago (the reporter adding to one reopens it)."""
    closed = tickets.autoclose(days)
    db.session.commit()
    click.echo(f"Closed {len(closed)} solved ticket{'s' if len(closed) != 1 else ''}.")
    for reference in closed:
        click.echo(f"  {reference}")


@outbox_cli.command("send")
@click.option("--loop", is_flag=True, help="Keep sending as mail comes in, until stopped.")
@click.option(
    "--interval",
    default=5.0,
    show_default=True,
    type=click.FloatRange(min=0.1),
    help="Seconds to wait when nothing is due (with --loop).",
)
def send_mail(loop: bool, interval: float) -> None:
    """Send the mail that is due, batch by batch; with --loop, keep at it until SIGTERM or
    Ctrl-C, which let the batch in hand finish."""
    stop = threading.Event()
    if loop:
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
    worker = outbox.worker_name()
    while not stop.is_set():
        report = outbox.send_due(worker=worker)
        if report.claimed:
            click.echo(f"Outbox: {report}.")
        elif not loop:
            click.echo("Outbox: nothing more is due.")
            break
        else:
            stop.wait(interval)


api_cli = AppGroup("api", help="The JSON API.")
api_tokens_cli = AppGroup("tokens", help="API tokens: create, list, revoke.")
api_cli.add_command(api_tokens_cli)


@api_tokens_cli.command("create")
@click.argument("name")
@click.option(
    "--scope",
    "scopes",
    multiple=True,
    required=True,
    type=click.Choice(api_tokens.SCOPES),
    help="Repeat for each scope the token gets.",
)
def create_api_token(name: str, scopes: tuple[str, ...]) -> None:
    """Create a token called NAME and print its secret, which is shown this once only."""
    try:
        token, secret = api_tokens.create_token(name, scopes, actor=None)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    click.echo(f"Created API token {token.id} ({token.name}: {' '.join(token.scopes)}).")
    click.echo("Its secret, shown this once; store it now:")
    click.echo(secret)


@api_tokens_cli.command("list")
def list_api_tokens() -> None:
    """Every token: id, state, secret prefix, name, scopes."""
    for token in api_tokens.all_tokens():
        state = "active" if token.is_active else f"revoked {token.revoked_at:%Y-%m-%d}"
        click.echo(
            f"{token.id:>4}  {state:<18} {token.prefix}…  {token.name}  {' '.join(token.scopes)}"
        )


@api_tokens_cli.command("revoke")
@click.argument("token_id", type=int)
def revoke_api_token(token_id: int) -> None:
    """Stop the token with this id from working."""
    token = db.session.get(ApiToken, token_id)
    if token is None:
        raise click.ClickException(f"There is no API token {token_id}.")
    api_tokens.revoke(token, actor=None)
    db.session.commit()
    click.echo(f"Revoked API token {token.id} ({token.name}).")


def register_cli(app: Flask) -> None:
    app.cli.add_command(api_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(seed_cli)
    app.cli.add_command(tickets_cli)
    app.cli.add_command(outbox_cli)
