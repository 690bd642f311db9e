"""Command groups for `flask --app wsgi ...`: parse arguments, call the domain, print, exit."""

import json
import logging
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from datetime import timedelta

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from . import (
    accounts,
    api_tokens,
    attachment_gc,
    intake,
    member_data,
    retention,
    seed,
    storage,
    tickets,
)
from .database import db
from .errors import DomainError
from .intake.channels import imap, ingest, lmtp, mailboxes
from .mail import sender
from .models import ApiToken, Role
from .reports import rollups
from .storage import transfer
from .views.control_characters import IN_LINE


class _PlainText(click.ParamType):
    """Text without control characters: a NUL (which PostgreSQL cannot store) or another C0
    character in an argument is refused with a usage error before anything runs."""

    name = "text"

    def convert(self, value, param, ctx):
        if isinstance(value, str) and IN_LINE.search(value):
            self.fail("contains a control character (such as a NUL byte)", param, ctx)
        return value


TEXT = _PlainText()

users_cli = AppGroup("users", help="Manage accounts.")
seed_cli = AppGroup("seed", help="Load data.")
tickets_cli = AppGroup("tickets", help="Ticket housekeeping.")
outbox_cli = AppGroup("outbox", help="Send queued mail.")
retention_cli = AppGroup("retention", help="Remove personal data past its retention period.")
data_cli = AppGroup("data", help="What the desk holds about a person.")


def _stop_event() -> threading.Event:
    """Set by SIGTERM or Ctrl-C, so a loop can finish the work in hand and stop."""
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    return stop


@users_cli.command("create")
@click.argument("email", type=TEXT)
@click.option(
    "--role",
    type=click.Choice([role.value for role in Role]),
    default=Role.MEMBER.value,
    show_default=True,
)
@click.option("--password", type=TEXT, prompt=True, hide_input=True, confirmation_prompt=True)
@click.option(
    "--name", "display_name", type=TEXT, help="Display name (default: the part before the @)."
)
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
@click.option(
    "--verbose", is_flag=True, help="Log every change as it is made, at HELPDESK_LOG_LEVEL."
)
def seed_demo(verbose: bool) -> None:
    """Default categories, demo staff and members, and about fifty tickets (once)."""
    # Seeding makes a few hundred changes, and the demo reporters hit the acknowledgment cap
    # (demo mail is never sent anyway): those log lines would scroll the logins away. The audit
    # log records every change either way.
    with nullcontext() if verbose else _logged_at_least(logging.ERROR):
        created = seed.seed_demo()
        db.session.commit()
    if created:
        counts = ", ".join(f"{count} {kind}" for kind, count in created.items())
        click.echo(f"Demo data loaded: {counts}.")
    else:
        click.echo("Demo data was already there; nothing changed.")
    click.echo("Demo logins:")
    for role, email, password, _name in seed.DEMO_LOGINS:
        click.echo(f"  {role:<7} {email:<32} {password}")


@contextmanager
def _logged_at_least(level: int) -> Iterator[None]:
    """Raise the helpdesk log's threshold to `level` for the duration (never lower it)."""
    logger = logging.getLogger("helpdesk")
    configured = logger.level
    logger.setLevel(max(level, configured))
    try:
        yield
    finally:
        logger.setLevel(configured)


@tickets_cli.command("autoclose")
@click.option("--days", default=4, show_default=True, type=click.IntRange(min=0))
def autoclose(days: int) -> None:
    """Close tickets solved more than DAYS days ago (the reporter adding to one reopens it)."""
    closed = tickets.autoclose(days)
    db.session.commit()
    click.echo(f"Closed {len(closed)} solved ticket{'s' if len(closed) != 1 else ''}.")
    for reference in closed:
        click.echo(f"  {reference}")


def _looping(interval: float, minimum: float, wait: str):
    """--loop, and the --interval between rounds, for a command that can keep at it."""

    def decorate(command):
        interval_option = click.option(
            "--interval",
            default=interval,
            show_default=True,
            type=click.FloatRange(min=minimum),
            help=f"Seconds {wait} (with --loop).",
        )
        loop_option = click.option("--loop", is_flag=True, help="Keep at it until stopped.")
        return loop_option(interval_option(command))

    return decorate


@outbox_cli.command("send")
@_looping(interval=5.0, minimum=0.1, wait="to wait when nothing is due")
def send_mail(loop: bool, interval: float) -> None:
    """Send the mail that is due, batch by batch; with --loop, keep at it until SIGTERM or
    Ctrl-C, which let the batch in hand finish."""
    stop = _stop_event() if loop else threading.Event()
    worker = sender.worker_name()
    while not stop.is_set():
        report = sender.send_due(worker=worker)
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
@click.argument("name", type=TEXT)
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
        token, secret = api_tokens.create_token(None, name, scopes)
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
    api_tokens.revoke(None, token)
    db.session.commit()
    click.echo(f"Revoked API token {token.id} ({token.name}).")


mail_cli = AppGroup("mail", help="Mail intake: ingest, fetch, serve, reprocess.")


def _print_result(result: intake.IntakeResult, source: str | None) -> None:
    click.echo(json.dumps(result.as_json(source), ensure_ascii=False))


@mail_cli.command("ingest")
@click.argument("path", type=TEXT)
@click.option(
    "--jobs",
    default=1,
    show_default=True,
    type=click.IntRange(min=1, max=64),
    help="Processes taking messages in at once, for a large import (on PostgreSQL, one per "
    "core). One sender's mail stays in one process, in order; lines come as messages finish.",
)
def ingest_mail(path: str, jobs: int) -> None:
    """Take in PATH: one message, a directory of .eml files (in name order), an mbox, a
    Maildir, or - for standard input (an MTA pipe). Prints one JSON line per message; exits
    non-zero only when a message could not be stored."""
    if jobs > 1 and db.engine.dialect.name == "sqlite":
        click.echo("On SQLite one process writes at a time: --jobs is no faster there.", err=True)
    unstored = 0
    try:
        for taken in ingest.take_in(path, stdin=sys.stdin.buffer, jobs=jobs):
            if taken.result is not None:
                _print_result(taken.result, taken.source)
            else:
                unstored += 1
                line = {"source": taken.source, "outcome": None, "error": taken.error}
                click.echo(json.dumps(line, ensure_ascii=False))
    except mailboxes.UnreadableSource as error:
        raise click.ClickException(str(error)) from None
    if unstored:
        raise click.ClickException(f"{unstored} message(s) could not be stored; see above.")


@mail_cli.command("fetch")
@_looping(interval=60.0, minimum=1, wait="between fetches")
def fetch_mail(loop: bool, interval: float) -> None:
    """Fetch new mail from the IMAP mailbox (HELPDESK_IMAP_* settings) and take it in."""
    stop = _stop_event() if loop else threading.Event()
    while True:
        try:
            for source, result in imap.fetch_once(stop=stop):
                _print_result(result, source)
        except imap.FetchFailed as error:
            if not loop:
                raise click.ClickException(str(error)) from None
            click.echo(f"IMAP: {error}; trying again in {interval:g} s.", err=True)
        if not loop or stop.wait(interval):
            break


@mail_cli.command("serve")
@click.option("--host", type=TEXT, help="Address to listen on (default: HELPDESK_LMTP_HOST).")
@click.option("--port", type=int, help="Port to listen on (default: HELPDESK_LMTP_PORT).")
@click.option("--smtp", is_flag=True, help="Speak SMTP instead of LMTP (for development).")
def serve_mail(host: str | None, port: int | None, smtp: bool) -> None:
    """Listen for mail over LMTP (what Postfix and Dovecot deliver to) until stopped."""
    config = current_app.config
    host, port = host or config["HELPDESK_LMTP_HOST"], port or config["HELPDESK_LMTP_PORT"]
    try:
        lmtp.serve(host, port, smtp=smtp, stop=_stop_event())
    except OSError as error:  # the port is taken, or the address is not this machine's
        raise click.ClickException(f"Cannot listen on {host}:{port}: {error.strerror}") from None


@mail_cli.command("reprocess")
@click.argument("inbound_id", type=int, required=False)
@click.option(
    "--quarantined",
    is_flag=True,
    help="Every quarantined message, and any left unprocessed by a crash.",
)
def reprocess_mail(inbound_id: int | None, quarantined: bool) -> None:
    """Run intake again on stored message INBOUND_ID, or on every quarantined one."""
    if (inbound_id is None) == (not quarantined):
        raise click.UsageError("Give either an INBOUND_ID or --quarantined.")
    try:
        # The command line acts as the system: no actor.
        if quarantined:
            results = intake.reprocess_quarantined()
        else:
            results = [intake.reprocess(None, inbound_id)]
    except DomainError as error:
        raise click.ClickException(str(error)) from None
    for result in results:
        _print_result(result, f"inbound:{result.inbound_id}")


attachments_cli = AppGroup("attachments", help="Evidence files on disk.")


@attachments_cli.command("gc")
@click.option(
    "--older-than-minutes",
    default=60,
    show_default=True,
    type=click.IntRange(min=1),
    help="Leave files written more recently alone (a request may be committing them).",
)
@click.option("--dry-run", is_flag=True, help="List what would be removed; change nothing.")
def collect_attachments(older_than_minutes: int, dry_run: bool) -> None:
    """Remove evidence files no report points to, and temporary files of uploads that never
    committed. Safe to run (from cron) while the app serves."""
    older_than = timedelta(minutes=older_than_minutes)
    sweep = attachment_gc.collect(storage.current(), older_than, dry_run=dry_run)
    if sweep is None:
        click.echo(
            "Nothing to collect: on the database backend evidence commits with its rows; "
            "on S3, let a lifecycle rule expire staging/ objects after a day."
        )
        return
    for action in sweep.actions:
        verb = f"would be {action.verb}" if dry_run else action.verb
        click.echo(f"{verb}: {action.path} ({action.why}, {action.size:,} bytes)")
    removed, restored = sweep.count("removed"), sweep.count("restored")
    prefix = "Dry run, nothing changed: would have removed" if dry_run else "Removed"
    click.echo(
        f"{prefix} {removed} file{'s' if removed != 1 else ''} "
        f"({sweep.removed_bytes:,} bytes), restored {restored}."
    )
    if sweep.missing:
        click.echo(
            f"Warning: attachment rows name {sweep.missing} file(s) missing from the store.",
            err=True,
        )


@retention_cli.command("run")
@click.option("--dry-run", is_flag=True, help="Print what would be purged; change nothing.")
@click.option(
    "--batch-size",
    type=click.IntRange(min=1),
    default=retention.DEFAULT_BATCH,
    show_default=True,
    help="Tickets per transaction.",
)
def run_retention(dry_run: bool, batch_size: int) -> None:
    """Purge closed tickets past their category's retention period, and inbound mail that made
    no ticket past the desk-wide one (safe to rerun)."""
    count = retention.run(dry_run=dry_run, batch_size=batch_size, report=click.echo)
    click.echo(f"{count} tickets and mails {'would be purged' if dry_run else 'purged'}.")


@data_cli.command("export")
@click.argument("email", type=TEXT)
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), required=True)
def export_data(email: str, output: str) -> None:
    """Write everything the desk holds about EMAIL to a ZIP file (a data-subject request)."""
    archive = member_data.subject_export(None, email)
    db.session.commit()  # the audit event
    with open(output, "wb") as handle:
        handle.write(archive)
    click.echo(f"Wrote {output} ({len(archive)} bytes).")


storage_cli = AppGroup("storage", help="Where evidence and raw mail are stored.")
PROGRESS_EVERY = 100


@storage_cli.command("migrate")
@click.option("--to", "target_name", required=True, type=click.Choice(storage.BACKENDS))
@click.option(
    "--from",
    "source_name",
    type=click.Choice(storage.BACKENDS),
    help="Read from this backend instead of the configured one (HELPDESK_STORAGE).",
)
def migrate_storage(target_name: str, source_name: str | None) -> None:
    """Copy every evidence file and raw mail to another backend, checking each digest after
    the copy. Safe to stop and run again: what the target already holds is skipped. Then set
    HELPDESK_STORAGE to the target."""
    source_name = source_name or current_app.config["HELPDESK_STORAGE"]
    if source_name == target_name:
        raise click.UsageError(f"the blobs are in {source_name} already")
    source = storage.build(current_app.config, source_name)
    target = storage.build(current_app.config, target_name)
    keys = list(transfer.blob_keys(source))
    click.echo(f"Copying {len(keys)} blobs from {source_name} to {target_name}.")
    counts = dict.fromkeys(transfer.Copy, 0)
    for done, key in enumerate(keys, start=1):
        try:
            outcome = transfer.copy(source, target, key)
            db.session.commit()  # the database backend's rows, one blob at a time
        except Exception as error:
            db.session.rollback()
            click.echo(f"Stopped at {key} ({done - 1} of {len(keys)} done): {error}", err=True)
            click.echo("Run the same command again to carry on.", err=True)
            sys.exit(1)
        counts[outcome] += 1
        if outcome in (transfer.Copy.MISMATCH, transfer.Copy.CORRUPT):
            click.echo(f"{outcome}: {key}", err=True)
        if done % PROGRESS_EVERY == 0:
            click.echo(f"{done}/{len(keys)} …")
    click.echo(", ".join(f"{outcome.value} {count}" for outcome, count in counts.items()) + ".")
    if counts[transfer.Copy.MISMATCH] or counts[transfer.Copy.CORRUPT]:
        sys.exit(1)


@storage_cli.command("rotate-key")
def rotate_key() -> None:
    """Wrap every blob's data key with the newest key of HELPDESK_ENCRYPTION_KEY (the content
    is not re-encrypted), and seal blobs stored before encryption was turned on. Safe to stop
    and run again. Afterwards the older keys can be dropped from the setting."""
    blobs = storage.current()
    if not current_app.config["HELPDESK_ENCRYPTION_KEY"]:
        raise click.UsageError("HELPDESK_ENCRYPTION_KEY is not set")
    keys = list(transfer.blob_keys(blobs))
    rewrapped = failed = 0
    for done, key in enumerate(keys, start=1):
        try:
            rewrapped += blobs.rotate(key)
            db.session.commit()
        except storage.StorageError as error:
            db.session.rollback()
            failed += 1
            click.echo(f"failed: {error}", err=True)
        if done % PROGRESS_EVERY == 0:
            click.echo(f"{done}/{len(keys)} …")
    unchanged = len(keys) - rewrapped - failed
    click.echo(f"Rewrapped {rewrapped} blobs, {unchanged} already current, {failed} failed.")
    if failed:
        sys.exit(1)


reports_cli = AppGroup("reports", help="The reports' daily counts.")


@reports_cli.command("rebuild")
def rebuild_reports() -> None:
    """Recount the reports' daily counts from the tickets and decisions, in the desk's time
    zone: after changing HELPDESK_TIME_ZONE, or after loading tickets in bulk."""
    zone = current_app.config["HELPDESK_TIME_ZONE"]
    rows = rollups.rebuild(zone)
    db.session.commit()
    click.echo(f"Recounted {rows} daily counts in {zone}.")


@reports_cli.command("check")
def check_reports() -> None:
    """Compare the daily counts with a full recount; exit 1 when they differ."""
    zone = current_app.config["HELPDESK_TIME_ZONE"]
    try:
        rollups.check_zone(zone)
    except rollups.RollupsStale as stale:
        raise click.ClickException(str(stale)) from None
    stored, counted = rollups.stored(), rollups.recount(zone)
    keys = sorted(stored.keys() | counted.keys(), key=str)
    differing = [key for key in keys if stored[key] != counted[key]]
    for key in differing[:20]:
        where = ", ".join(f"{name} {value}" for name, value in zip(rollups.KEY, key, strict=True))
        click.echo(f"{where}: stored {stored[key]}, counted {counted[key]}", err=True)
    if differing:
        click.echo(f"{len(differing)} daily counts differ: run `flask reports rebuild`.", err=True)
        sys.exit(1)
    click.echo(f"The {len(counted)} daily counts agree with a recount.")


def register_cli(app: Flask) -> None:
    app.cli.add_command(reports_cli)
    app.cli.add_command(attachments_cli)
    app.cli.add_command(storage_cli)
    app.cli.add_command(mail_cli)
    app.cli.add_command(api_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(seed_cli)
    app.cli.add_command(tickets_cli)
    app.cli.add_command(outbox_cli)
    app.cli.add_command(retention_cli)
    app.cli.add_command(data_cli)
