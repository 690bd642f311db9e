"""Automated mail is recognised before its sender is judged, in every header spelling lists,
bulk senders and mail systems use (RFC 2369, RFC 2919, RFC 3834 and older practice)."""

import json

import pytest
from sqlalchemy import func, select

from helpdesk.database import db
from helpdesk.intake.mime import parse
from helpdesk.models import OutboundMail, Ticket

from .conftest import INTAKE_SETTINGS


def _mail(*headers: str, sender: str = "Dana Whitfield <dana@x.example>") -> bytes:
    lines = [f"From: {sender}", "To: support@helpdesk.example", "Subject: Hello", *headers]
    return ("\n".join(lines) + "\n\nThe weekly digest.\n").encode()


LIST_AND_BULK = [
    "List-Id: Freelancers <freelancers.lists.example.org>",
    "List-Post: <mailto:freelancers@lists.example.org>",
    "List-Unsubscribe: <https://lists.example.org/u/freelancers>",
    "List-Help: <mailto:freelancers-request@lists.example.org?subject=help>",
    "List-Subscribe: <mailto:freelancers-join@lists.example.org>",
    "List-Owner: <mailto:freelancers-owner@lists.example.org>",
    "List-Archive: <https://lists.example.org/archive/freelancers/>",
    "list-id: <freelancers.lists.example.org>",
    "LIST-UNSUBSCRIBE: <mailto:leave@news.example.com>",
    "X-Mailing-List: <freelancers@lists.example.org> archive/latest/1234",
    "Mailing-List: list freelancers@groups.example.com; contact owners@groups.example.com",
    "X-BeenThere: freelancers@lists.example.org",
    "X-Loop: freelancers@lists.example.org",
    "Precedence: bulk",
    "Precedence: list",
    "Precedence: junk",
    "Precedence: auto_reply",
    "Precedence: auto-reply",
    "Precedence: BULK",
    "precedence: List",
    "X-Precedence: bulk",
    "X-Precedence: Auto-Reply",
    "Auto-Submitted: Auto-Generated",
    "X-Autoreply: yes",
]


@pytest.mark.p7
@pytest.mark.parametrize("header", LIST_AND_BULK)
def test_list_and_bulk_mail_is_automated_in_every_spelling(header):
    mail = parse(_mail(header), max_attachment_bytes=1000)
    assert mail.automated
    assert header.split(":")[0].lower() in mail.automated.lower()


@pytest.mark.parametrize(
    "header", ["Precedence: normal", "Precedence: first-class", "Auto-Submitted: no", "X-List: x"]
)
def test_ordinary_mail_is_not_automated(header):
    assert parse(_mail(header), max_attachment_bytes=1000).automated is None


BOUNCE_SENDERS = [
    "MAILER-DAEMON",
    "<MAILER-DAEMON>",
    "Mail Delivery Subsystem <MAILER-DAEMON>",
    "MAILER-DAEMON (Mail Delivery System)",
    "Mail Delivery System <Mailer-Daemon@mx.example.net>",
    "MAILER-DAEMON@mx.example.net (Mail Delivery System)",
    "postmaster",
]


@pytest.fixture
def app(app):
    app.config.update(INTAKE_SETTINGS)
    return app


@pytest.mark.p7
@pytest.mark.parametrize("sender", BOUNCE_SENDERS)
def test_a_bounce_without_a_usable_from_is_ignored_not_quarantined(app, runner, tmp_path, sender):
    path = tmp_path / "bounce.eml"
    path.write_bytes(
        _mail(sender=sender).replace(b"Subject: Hello", b"Subject: Undelivered Mail Returned")
    )

    result = runner.invoke(args=["mail", "ingest", str(path)])

    assert result.exit_code == 0, result.output
    line = json.loads(result.stdout)
    assert line["outcome"] == "ignored"
    assert "daemon" in line["reason"] or "postmaster" in line["reason"]
    with app.app_context():
        for model in (Ticket, OutboundMail):
            assert db.session.scalar(select(func.count()).select_from(model)) == 0
