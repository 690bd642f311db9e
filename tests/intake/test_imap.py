"""`mail fetch` against a real Dovecot (imap_server.py): TLS both ways, a message marked or
moved only once intake has committed it, nothing lost or doubled when the connection drops, and
clear refusals of a wrong password or an untrusted certificate.

Without /usr/sbin/dovecot these tests skip; with HELPDESK_REQUIRE_DOVECOT=1 (CI) they fail.
"""

import json
import os
import threading

import pytest
from sqlalchemy import func, select

from helpdesk import intake
from helpdesk.database import db
from helpdesk.intake.channels import imap
from helpdesk.models import Source, Ticket

from .imap_server import DOVECOT, Dovecot

# Read once, at import: the suite's autouse fixture clears HELPDESK_* names around each test.
REQUIRE_DOVECOT = os.environ.get("HELPDESK_REQUIRE_DOVECOT", "") == "1"
SEEN = "\\Seen"


def report(number: int = 1) -> bytes:
    return (
        "From: Member <member@example.com>\r\n"
        "To: support@helpdesk.example\r\n"
        f"Subject: Harassment by user x ({number})\r\n"
        f"Message-ID: <{number}@example.com>\r\n"
        "\r\n"
        "He insulted me in the workroom chat yesterday.\r\n"
    ).encode()


@pytest.fixture(scope="module")
def dovecot():
    if not DOVECOT.exists():
        reason = f"Dovecot is not installed at {DOVECOT} (apt-get install dovecot-imapd)"
        if REQUIRE_DOVECOT:
            pytest.fail(f"HELPDESK_REQUIRE_DOVECOT=1 but {reason}", pytrace=False)
        pytest.skip(reason)
    with Dovecot() as server:
        yield server


@pytest.fixture
def user(dovecot) -> str:
    return dovecot.new_user()


@pytest.fixture
def fetch(app, runner):
    """fetch(settings) -> (the CLI result, the JSON lines it printed): `mail fetch` once."""

    def run(settings: dict):
        app.config.update(settings)
        result = runner.invoke(args=["mail", "fetch"])
        lines = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
        return result, lines

    return run


@pytest.fixture
def tickets(app):
    """tickets() -> how many tickets there are."""

    def count() -> int:
        with app.app_context():
            return db.session.scalar(select(func.count()).select_from(Ticket))

    return count


def assert_refused(result, *phrases: str) -> None:
    """A clean error (click's "Error: ..." and exit code 1), not a crash."""
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.output
    for phrase in phrases:
        assert phrase in result.output


@pytest.mark.parametrize("security", ["ssl", "starttls"])
@pytest.mark.p6
def test_fetch_opens_a_ticket_then_marks_the_message_seen(
    app, dovecot, user, fetch, tickets, security
):
    dovecot.append(user, report())

    result, lines = fetch(dovecot.settings(user, security))

    assert result.exit_code == 0, result.output
    assert all(", TLS," in login for login in dovecot.logins(user))
    [line] = lines
    assert line["outcome"] == "created"
    assert line["message_id"] == "<1@example.com>"
    assert line["source"].startswith("imap:INBOX:") and line["source"].endswith(":1")
    with app.app_context():
        ticket = db.session.scalar(select(Ticket).where(Ticket.reference == line["ticket"]))
        assert ticket.source is Source.EMAIL
        assert ticket.reporter.email == "member@example.com"
    assert [SEEN in flags for flags in dovecot.flags(user)] == [True]

    result, lines = fetch(dovecot.settings(user, security))
    assert result.exit_code == 0, result.output
    assert lines == []
    assert tickets() == 1


def test_only_unseen_messages_are_fetched_batch_by_batch_without_marking_them(
    dovecot, user, fetch, tickets, monkeypatch
):
    monkeypatch.setattr(imap, "BATCH_SIZE", 2)
    for number in range(1, 6):
        dovecot.append(user, report(number))
    dovecot.append(user, report(6), flags=SEEN)  # someone read this one in a mail client

    result, lines = fetch(dovecot.settings(user))

    assert result.exit_code == 0, result.output
    assert [line["source"].rsplit(":", 1)[1] for line in lines] == ["1", "2", "3", "4", "5"]
    assert {line["outcome"] for line in lines} == {"created"}
    assert tickets() == 5
    sent = dovecot.client_text(user)
    for batch in ("1,2", "3,4", "5"):
        assert f"UID FETCH {batch} (UID BODY.PEEK[])" in sent
    assert all(SEEN in flags for flags in dovecot.flags(user))


def test_with_a_done_mailbox_processed_mail_is_moved_there(dovecot, user, fetch):
    dovecot.create_mailbox(user, "Help desk done")
    dovecot.append(user, report())
    settings = dovecot.settings(user, HELPDESK_IMAP_DONE_MAILBOX="Help desk done")

    result, lines = fetch(settings)

    assert result.exit_code == 0, result.output
    assert [line["outcome"] for line in lines] == ["created"]
    assert dovecot.flags(user) == []
    assert len(dovecot.flags(user, "Help desk done")) == 1
    assert 'UID MOVE 1 "Help desk done"' in dovecot.client_text(user)
    assert fetch(settings)[1] == []


@pytest.mark.parametrize(
    ("capabilities", "expunge"),
    [("IMAP4rev1 LITERAL+ UIDPLUS", "UID EXPUNGE 1"), ("IMAP4rev1 LITERAL+", "EXPUNGE")],
    ids=["uidplus", "plain"],
)
def test_without_move_the_message_is_copied_then_expunged(dovecot, fetch, capabilities, expunge):
    with Dovecot(capabilities=capabilities) as older_server:
        user = older_server.new_user()
        older_server.create_mailbox(user, "Done")
        older_server.append(user, report())

        result, lines = fetch(older_server.settings(user, HELPDESK_IMAP_DONE_MAILBOX="Done"))

        assert result.exit_code == 0, result.output
        assert [line["outcome"] for line in lines] == ["created"]
        assert older_server.flags(user) == []
        assert len(older_server.flags(user, "Done")) == 1
        sent = older_server.client_text(user)
        assert "UID MOVE" not in sent
        for command in ('UID COPY 1 "Done"', "UID STORE 1 +FLAGS.SILENT (\\Deleted)", expunge):
            assert command in sent


def test_a_missing_done_mailbox_is_refused_before_anything_is_taken(dovecot, user, fetch, tickets):
    dovecot.append(user, report())

    result, _ = fetch(dovecot.settings(user, HELPDESK_IMAP_DONE_MAILBOX="Nowhere"))

    assert_refused(result, "'Nowhere'", "create it first")
    assert tickets() == 0
    assert [SEEN in flags for flags in dovecot.flags(user)] == [False]


@pytest.mark.p6
def test_a_message_left_unmarked_by_a_dropped_connection_comes_back_as_a_duplicate(
    dovecot, user, fetch, tickets, monkeypatch
):
    dovecot.append(user, report())
    receive = intake.receive

    def receive_then_lose_the_connection(*args, **kwargs):
        result = receive(*args, **kwargs)
        monkeypatch.setattr(intake, "receive", receive)  # the next run goes through
        dovecot.kick(user)  # the session ends before the message is marked
        return result

    monkeypatch.setattr(intake, "receive", receive_then_lose_the_connection)

    result, lines = fetch(dovecot.settings(user))

    assert_refused(result, "took in imap:INBOX:", "the next fetch takes it again")
    assert lines == []
    assert tickets() == 1
    assert [SEEN in flags for flags in dovecot.flags(user)] == [False]

    result, lines = fetch(dovecot.settings(user))

    assert result.exit_code == 0, result.output
    [line] = lines
    assert line["outcome"] == "duplicate"
    assert line["ticket"] is not None
    assert tickets() == 1
    assert [SEEN in flags for flags in dovecot.flags(user)] == [True]


@pytest.mark.p6
def test_a_message_that_cannot_be_stored_stays_untouched(
    dovecot, user, fetch, tickets, monkeypatch
):
    dovecot.append(user, report())

    def store_fails(*args, **kwargs):
        raise intake.StoreFailed("could not store the message (OperationalError)")

    monkeypatch.setattr(intake, "receive", store_fails)
    result, _ = fetch(dovecot.settings(user))

    assert_refused(result, "so it stays on the server", "OperationalError")
    assert [SEEN in flags for flags in dovecot.flags(user)] == [False]

    monkeypatch.undo()
    result, lines = fetch(dovecot.settings(user))
    assert [line["outcome"] for line in lines] == ["created"]
    assert tickets() == 1


def test_a_wrong_password_fails_with_a_clear_message(dovecot, user, fetch, tickets):
    dovecot.append(user, report())

    result, _ = fetch(dovecot.settings(user, HELPDESK_IMAP_PASSWORD="not-the-password"))

    assert_refused(result, f"refused the log-in of {user}", "AUTHENTICATIONFAILED")
    assert "not-the-password" not in result.output
    assert tickets() == 0


@pytest.mark.parametrize("security", ["ssl", "starttls"])
def test_an_untrusted_certificate_is_refused(dovecot, user, fetch, tickets, security):
    dovecot.append(user, report())

    result, _ = fetch(dovecot.settings(user, security, HELPDESK_IMAP_CA_FILE=""))

    assert_refused(result, "certificate", "not trusted", "HELPDESK_IMAP_CA_FILE")
    assert tickets() == 0
    assert [SEEN in flags for flags in dovecot.flags(user)] == [False]


def test_an_unknown_security_setting_is_refused(dovecot, user, fetch):
    result, _ = fetch(dovecot.settings(user, HELPDESK_IMAP_SECURITY="none"))

    assert_refused(result, "HELPDESK_IMAP_SECURITY='none' is not supported")


def test_fetching_stops_between_messages_once_asked(app, dovecot, user):
    for number in (1, 2):
        dovecot.append(user, report(number))
    app.config.update(dovecot.settings(user))
    stop = threading.Event()

    with app.app_context():
        taken = []
        for source, _result in imap.fetch_once(stop=stop):
            taken.append(source)
            stop.set()  # as SIGTERM does during `mail fetch --loop`

    assert len(taken) == 1
    assert [SEEN in flags for flags in dovecot.flags(user)] == [True, False]
