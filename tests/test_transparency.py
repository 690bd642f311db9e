"""The transparency report: the counts a platform publishes for a period, printable and as
CSV, with nothing that identifies a reporter or a reported member (P1)."""

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from helpdesk import decisions
from helpdesk.database import db
from helpdesk.models import Category, DecisionAction, Source

from .factories import make_ticket, make_user

DAY = datetime(2026, 11, 10, 9, tzinfo=UTC)
PERIOD = "from=2026-11-01&to=2026-11-30"


@pytest.fixture
def reported_case(app):
    """Two notices about one member, by a reporter, and a decision; the strings that would
    identify either person."""
    with app.app_context():
        reporter = make_user(email="zoe.reporter@members.example", display_name="Zoë Whistleblower")
        agent = make_user("agent", display_name="Agent Kestrel")
        web = make_ticket(
            reporter,
            subject="Threats from gwendolyn_scams",
            reported="https://marketplace.example/freelancers/gwendolyn_scams",
        )
        mail = make_ticket(
            reporter, category="fraud", reported="gwendolyn_scams", source=Source.EMAIL
        )
        for ticket in (web, mail):
            ticket.created_at = DAY
        banned = db.session.scalar(select(DecisionAction).where(DecisionAction.slug == "banned"))
        fraud = db.session.scalar(select(Category).where(Category.slug == "fraud"))
        decision = decisions.record(agent, mail, policy=fraud, action=banned, reason="Clear scam")
        decision.created_at = mail.first_decision_at = DAY + timedelta(hours=5)
        db.session.commit()
        return [
            reporter.email,
            reporter.display_name,
            "Zoë",
            "gwendolyn",
            "marketplace.example/freelancers",
            web.reported_key,
            web.reference,
            mail.reference,
            web.subject,
            "Clear scam",
            agent.display_name,
        ]


@pytest.mark.p1
def test_the_transparency_report_names_no_reporter_and_no_reported_member(
    client, login_as, reported_case
):
    login_as("agent")
    page = client.get(f"/agent/reports/transparency?{PERIOD}")
    export = client.get(f"/agent/reports/transparency.csv?{PERIOD}")
    assert page.status_code == export.status_code == 200
    for text in (page.get_data(as_text=True), export.get_data(as_text=True)):
        for identifying in reported_case:
            assert identifying.lower() not in text.lower(), identifying


def test_the_transparency_report_counts_notices_decisions_and_time_to_decide(
    client, login_as, reported_case
):
    login_as("agent")
    rows = list(
        csv.reader(io.StringIO(client.get(f"/agent/reports/transparency.csv?{PERIOD}").text))
    )
    assert rows[0] == ["section", "row", "column", "value"]
    cells = {(section, row, column): value for section, row, column, value in rows[1:]}
    notices = "Notices received, by category and channel"
    assert cells[(notices, "Harassment or abusive language", "web")] == "1"
    assert cells[(notices, "Fraud or scam", "email")] == "1"
    assert cells[(notices, "Fraud or scam", "Total")] == "1"
    assert cells[("Decisions by action taken", "Banned", "Decisions")] == "1"
    assert cells[("Decisions by policy found violated", "Fraud or scam", "Decisions")] == "1"
    assert cells[("Median time to first decision", "All", "Hours")] == "5.0"
    page = client.get(f"/agent/reports/transparency?{PERIOD}").get_data(as_text=True)
    assert "<dd>2</dd>" in page  # notices received
    assert "5.0 hours" in page
    assert '<details class="report-numbers" open>' in page  # the numbers print


def test_members_cannot_read_the_transparency_report(client, login_as):
    login_as("member")
    assert client.get("/agent/reports/transparency").status_code == 403
    assert client.get("/agent/reports/transparency.csv").status_code == 403
