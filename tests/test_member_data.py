"""A member's own data on /account (download, delete), and the admins' export about an address."""

import io
import json
import zipfile

import pytest
from sqlalchemy import select

from helpdesk import decisions, tickets
from helpdesk.accounts import ANONYMISED_EMAIL
from helpdesk.database import db
from helpdesk.models import AuditEvent, MailKind, MailStatus, OutboundMail, Ticket, User

from .conftest import log_in, submit
from .factories import PASSWORD, make_ticket, make_user
from .test_retention import _png

REPORTER = "mira.member@example.org"
OTHER = "oscar.other@example.org"


@pytest.fixture
def reports(app):
    """Mira's report with her file, an agent's reply, a note, a decision; Oscar's report."""
    with app.app_context():
        mira = make_user(email=REPORTER, display_name="Mira Member")
        agent = make_user("agent", display_name="Agnes Quietagent")
        ticket = make_ticket(
            mira,
            subject="Threats in the workroom",
            description="He threatened me after the milestone.",
            reported="villain-username-77",
            uploads=[_png("mira")],
        )
        tickets.post_reply(agent, ticket, "Thank you, we are looking into it.")
        tickets.add_note(agent, ticket, "Internal: second strike for this account")
        decisions.record(
            agent,
            ticket,
            policy=ticket.category,
            action=decisions.actions()[-1],
            reason="Decision reason nobody outside sees",
        )
        make_ticket(
            make_user(email=OTHER),
            subject="Oscar's own report",
            description="Something only Oscar wrote.",
        )
        db.session.commit()
        return ticket.reference


def _archive(response) -> zipfile.ZipFile:
    assert response.status_code == 200, response.status_code
    return zipfile.ZipFile(io.BytesIO(response.data))


@pytest.mark.p1
@pytest.mark.p2
def test_a_members_download_holds_their_reports_as_they_see_them(app, client, reports):
    log_in(client, REPORTER)

    archive = _archive(client.get("/account/data.zip"))

    data = json.loads(archive.read("reports.json"))
    everything = json.dumps(data) + "".join(
        archive.read(n).decode("latin-1") for n in archive.namelist()
    )
    assert data["account"]["email"] == REPORTER
    [report] = data["reports"]
    assert report["reference"] == reports and report["status"] == "Received"
    assert [m["author"] for m in report["messages"]] == ["You", "Trust & Safety team"]
    assert report["messages"][1]["body"] == "Thank you, we are looking into it."
    [sent] = report["messages"][0]["attachments"]
    assert archive.read(sent["file"]).startswith(b"\x89PNG")
    # Never internal notes, decisions, agents, the other party or anyone else's reports.
    for secret in (
        "second strike",
        "Decision reason",
        "Quietagent",
        "villain-username-77",
        "Oscar",
        'status": "new',
    ):
        assert secret not in everything, secret


def test_the_download_is_for_logged_in_members_only(client):
    assert client.get("/account/data.zip").status_code == 302


def test_deleting_an_account_needs_the_password(app, client, reports):
    log_in(client, REPORTER)

    response = submit(
        client, "/account/delete", {"password": "not it at all", "confirm": "1"}, page="/account"
    )

    assert response.status_code == 303
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == REPORTER)) is not None
    assert client.get("/account").status_code == 200


@pytest.mark.p1
def test_a_deleted_account_leaves_its_reports_to_the_team_anonymised(app, client, reports):
    log_in(client, REPORTER)
    other_browser = app.test_client()
    log_in(other_browser, REPORTER)

    response = submit(
        client, "/account/delete", {"password": PASSWORD, "confirm": "1"}, page="/account"
    )

    assert response.status_code == 303
    assert client.get("/account").status_code == 302  # logged out
    assert other_browser.get("/account").status_code == 302  # every session ended
    login = submit(client, "/login", {"email": REPORTER, "password": PASSWORD})
    assert login.status_code == 422  # refused
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == REPORTER)) is None
        ticket = db.session.scalar(select(Ticket).where(Ticket.reference == reports))
        assert ticket.reporter.email == ANONYMISED_EMAIL
        assert ticket.messages[0].author.email == ANONYMISED_EMAIL
        confirmation = db.session.scalar(
            select(OutboundMail).where(OutboundMail.kind == MailKind.ACCOUNT_DELETED)
        )
        assert confirmation.recipient == REPORTER
        assert confirmation.status is MailStatus.QUEUED, confirmation.reason
        others = db.session.scalars(
            select(OutboundMail).where(OutboundMail.id != confirmation.id)
        ).all()
        assert REPORTER not in {mail.recipient for mail in others}
        assert "Mira" not in " ".join(
            mail.body_text for mail in others if mail.ticket_id == ticket.id
        )
    team = app.test_client()
    with app.app_context():
        agent = make_user("agent").email
        db.session.commit()
    log_in(team, agent)
    page = team.get(f"/agent/tickets/{reports}").get_data(as_text=True)
    assert "Anonymised reporter" in page and "He threatened me" in page


def test_staff_accounts_are_not_deleted_from_the_account_page(app, client, login_as):
    login_as("agent")
    response = submit(
        client, "/account/delete", {"password": PASSWORD, "confirm": "1"}, page="/account"
    )
    assert response.status_code == 303
    assert client.get("/account").status_code == 200


def test_an_admin_exports_everything_held_about_an_address(app, client, login_as, reports):
    login_as("admin")

    assert client.get("/admin/people/data-export").status_code == 200
    archive = _archive(client.get(f"/admin/people/data-export?email={REPORTER.upper()}"))

    person = json.loads(archive.read("person.json"))
    assert person["account"]["email"] == REPORTER
    [report] = person["reports"]
    assert report["reported_member"] == "villain-username-77"
    assert {m["kind"] for m in report["messages"]} == {"reporter", "reply", "note"}
    assert [mail["kind"] for mail in person["outbox_mails"]] == ["report_received", "agent_reply"]
    assert any(event["action"] == "user.created" for event in person["audit_events"])
    assert any(name.startswith(f"files/{reports}/") for name in archive.namelist())
    with app.app_context():
        event = db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "person.data_exported")
        )
        assert event.actor.email.startswith("admin") and REPORTER not in json.dumps(event.changes)


def test_the_admin_export_refuses_what_is_not_an_address(client, login_as):
    login_as("admin")
    assert client.get("/admin/people/data-export?email=nobody").status_code == 422


def test_the_admin_export_is_for_admins_only(client, login_as):
    login_as("agent")
    assert client.get(f"/admin/people/data-export?email={REPORTER}").status_code == 403


def test_the_command_line_exports_an_address(app, runner, reports, tmp_path):
    output = tmp_path / "export.zip"

    result = runner.invoke(args=["data", "export", REPORTER, "--output", str(output)])

    assert result.exit_code == 0, result.output
    person = json.loads(zipfile.ZipFile(output).read("person.json"))
    assert person["reports"][0]["reference"] == reports
