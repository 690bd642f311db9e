"""The reports page's figures on small known datasets, through HTTP: exact counts, percentiles,
day boundaries in the desk's time zone, weeks from Monday, permissions, CSV and the API."""

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from helpdesk import api_tokens, decisions
from helpdesk.config import ConfigError, build_config
from helpdesk.database import db, utcnow
from helpdesk.models import (
    Category,
    DecisionAction,
    InboundMail,
    InboundOutcome,
    MailKind,
    MailStatus,
    Message,
    MessageKind,
    OutboundMail,
    Source,
    Status,
)

from .factories import make_ticket, make_user

NOV = datetime(2026, 11, 1, tzinfo=UTC)


def at(day: int, hour: int = 12, minute: int = 0) -> datetime:
    """A UTC moment in November 2026."""
    return NOV.replace(day=day, hour=hour, minute=minute)


def add_ticket(category="harassment", *, created, first=None, solved=None, closed=None, **fields):
    status = fields.pop("status", Status.CLOSED if closed else Status.SOLVED if solved else None)
    ticket = make_ticket(category=category, **fields)
    ticket.created_at = created
    ticket.first_response_at, ticket.solved_at, ticket.closed_at = first, solved, closed
    ticket.status = status or (Status.OPEN if first else Status.NEW)
    db.session.flush()
    return ticket


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def column(rows: list[list[str]], name: str) -> dict[str, str]:
    """{row label: the cell in column `name`} of a chart's CSV."""
    index = rows[0].index(name)
    return {row[0]: row[index] for row in rows[1:]}


@pytest.fixture
def agent(login_as):
    return login_as("agent")


@pytest.fixture
def paris(app):
    app.config["HELPDESK_TIME_ZONE"] = "Europe/Paris"  # UTC+1 in November


def test_days_begin_at_midnight_in_the_desks_time_zone(app, client, agent, paris):
    with app.app_context():
        add_ticket(created=at(8, 23, 30))  # 9 Nov 00:30 in Paris: the first day
        add_ticket(created=at(9, 22, 59))  # 9 Nov 23:59
        add_ticket(created=at(9, 23, 0))  # 10 Nov 00:00
        add_ticket("fraud", created=at(10, 22, 30))  # 10 Nov 23:30
        add_ticket(created=at(10, 23, 0))  # 11 Nov: after the period
        add_ticket(created=at(8, 22, 59))  # 8 Nov 23:59: before it
        db.session.commit()
    rows = csv_rows(client.get("/agent/reports/received.csv?from=2026-11-09&to=2026-11-10"))
    assert rows[0] == ["Day", "Harassment or abusive language", "Fraud or scam"]
    assert rows[1:] == [["2026-11-09", "2", "0"], ["2026-11-10", "1", "1"]]


def test_a_long_period_is_counted_by_weeks_that_start_on_monday(app, client, agent):
    with app.app_context():
        add_ticket(created=at(1, 9))  # Sunday: the week of Monday 26 October
        add_ticket(created=at(8, 23, 59))  # Sunday 8 Nov: the week of 2 Nov
        add_ticket(created=at(9, 0, 0))  # Monday 9 Nov: its own week
        add_ticket(created=at(9, 1), solved=at(12), closed=at(19))
        db.session.commit()
    rows = csv_rows(client.get("/agent/reports/flow.csv?from=2026-11-01&to=2026-12-06"))
    assert rows[0] == ["Week (from Monday)", "Received", "Solved", "Closed"]
    weeks = {row[0]: row[1:] for row in rows[1:]}
    assert list(weeks)[:3] == ["2026-10-26", "2026-11-02", "2026-11-09"]
    assert list(weeks)[-1] == "2026-11-30"
    assert weeks["2026-10-26"] == ["1", "0", "0"]
    assert weeks["2026-11-02"] == ["1", "0", "0"]
    assert weeks["2026-11-09"] == ["2", "1", "0"]
    assert weeks["2026-11-16"] == ["0", "0", "1"]


def test_first_response_and_resolution_percentiles(app, client, agent):
    with app.app_context():
        for hours in range(1, 11):  # answered after 1 … 10 hours, all in the week of 9 Nov
            created = at(9, 0)
            solved = created + timedelta(hours=10 * hours) if hours <= 3 else None
            add_ticket(created=created, first=created + timedelta(hours=hours), solved=solved)
        db.session.commit()
    args = "from=2026-11-09&to=2026-11-30"
    by_category = csv_rows(client.get(f"/agent/reports/times_by_category.csv?{args}"))
    assert by_category[1] == ["Harassment or abusive language", "5.0", "9.0", "20.0", "30.0"]
    weekly = csv_rows(client.get(f"/agent/reports/first_response_weekly.csv?{args}"))
    assert weekly[0] == [
        "Week (from Monday)",
        "First response p50",
        "First response p90",
        "Tickets",
    ]
    assert weekly[1] == ["2026-11-09", "5.0", "9.0", "10"]
    assert weekly[2] == ["2026-11-16", "", "", "0"]  # no answer that week: no percentile
    resolution = csv_rows(client.get(f"/agent/reports/resolution_weekly.csv?{args}"))
    # Solved on 9 Nov 10:00, 9 Nov 20:00 and 10 Nov 06:00: all in the week of 9 Nov.
    assert resolution[1] == ["2026-11-09", "20.0", "30.0", "3"]


def test_targets_met_and_breached_and_each_breach_links_its_ticket(app, client, agent):
    now = utcnow()
    with app.app_context():
        db.session.scalar(
            select(Category).where(Category.slug == "harassment")
        ).first_response_hours = 8
        met = add_ticket(created=now - timedelta(hours=30), first=now - timedelta(hours=25))
        late = add_ticket(created=now - timedelta(hours=30), first=now - timedelta(hours=20))
        silent = add_ticket(created=now - timedelta(hours=9))  # unanswered past 8 hours
        waiting = add_ticket(created=now - timedelta(hours=1))  # not due yet
        db.session.commit()
        references = met.reference, late.reference, silent.reference, waiting.reference
    rows = csv_rows(client.get("/agent/reports/targets.csv?period=7"))
    assert rows[0] == ["Category", "Met", "Breached", "Share met (%)"]
    assert rows[1:] == [["Harassment or abusive language (8 h)", "1", "2", "33.3"]]
    page = client.get("/agent/reports?period=7").get_data(as_text=True)
    breaches = page.split("Breached first-response targets", 1)[1]
    for reference in references[1:3]:
        assert f'href="/agent/tickets/{reference}"' in breaches
    for reference in (references[0], references[3]):
        assert reference not in breaches


def test_backlog_now_by_status_and_age(app, client, agent):
    now = utcnow()
    with app.app_context():
        add_ticket(created=now - timedelta(hours=2))
        add_ticket(created=now - timedelta(days=2), first=now, status=Status.PENDING)
        add_ticket(created=now - timedelta(days=5), first=now, status=Status.ON_HOLD)
        add_ticket(created=now - timedelta(days=40), first=now, status=Status.OPEN)
        add_ticket(created=now - timedelta(days=40), first=now, solved=now)  # resolved
        db.session.commit()
    status = column(csv_rows(client.get("/agent/reports/backlog_status.csv")), "Tickets")
    assert status == {"New": "1", "Open": "1", "Pending": "1", "On hold": "1"}
    age = column(csv_rows(client.get("/agent/reports/backlog_age.csv")), "Tickets")
    assert age == {
        "Under 1 day": "1",
        "1–3 days": "1",
        "3–7 days": "1",
        "7–30 days": "0",
        "Over 30 days": "1",
    }


def test_category_and_channel_filters(app, client, agent):
    with app.app_context():
        add_ticket(created=at(10), source=Source.WEB)
        add_ticket(created=at(10), source=Source.EMAIL)
        add_ticket("fraud", created=at(10), source=Source.EMAIL)
        db.session.commit()
    base = "/agent/reports/flow.csv?from=2026-11-10&to=2026-11-10"
    assert csv_rows(client.get(base))[1][1] == "3"
    assert csv_rows(client.get(base + "&channel=email"))[1][1] == "2"
    assert csv_rows(client.get(base + "&channel=email&category=harassment"))[1][1] == "1"


def test_decisions_reported_members_and_agents(app, client, agent):
    with app.app_context():
        priya = make_user("agent", display_name="Priya")
        actions = {a.slug: a for a in db.session.scalars(select(DecisionAction))}
        fraud = db.session.scalar(select(Category).where(Category.slug == "fraud"))
        tickets = [add_ticket(created=at(10, 8), reported="repeat_offender") for _ in range(5)]
        tickets += [add_ticket(created=at(10, 8), reported=f"member{n}") for n in range(3)]
        tickets += [add_ticket(created=at(10, 8), reported="twice") for _ in range(2)]
        for ticket, action, policy, hours in (
            (tickets[0], "warning", fraud, 2),
            (tickets[1], "banned", fraud, 6),
            (tickets[2], "none", None, 10),
        ):
            decision = decisions.record(
                priya, ticket, policy=policy, action=actions[action], reason="ok"
            )
            decision.created_at = ticket.created_at + timedelta(hours=hours)
            ticket.first_decision_at = decision.created_at  # as record() stamps it
        later = decisions.record(priya, tickets[0], policy=None, action=actions["none"], reason="x")
        later.created_at = at(12)  # a second decision: counted, but not a first decision
        tickets[0].assignee, tickets[0].solved_at, tickets[0].status = priya, at(11), Status.SOLVED
        tickets[0].first_response_at = at(10, 9)
        db.session.add(
            Message(
                ticket=tickets[0],
                author=priya,
                kind=MessageKind.REPLY,
                body="Hi",
                created_at=at(10, 9),
            )
        )
        db.session.commit()
    args = "from=2026-11-01&to=2026-11-30"
    action = column(
        csv_rows(client.get(f"/agent/reports/decisions_action.csv?{args}")), "Decisions"
    )
    assert action == {
        "No action": "2",
        "Warning": "1",
        "Content removed": "0",
        "Restricted": "0",
        "Suspended": "0",
        "Banned": "1",
    }
    policy = column(
        csv_rows(client.get(f"/agent/reports/decisions_policy.csv?{args}")), "Decisions"
    )
    assert policy == {"Fraud or scam": "2", "No violation found": "2"}
    members = column(csv_rows(client.get(f"/agent/reports/reported_members.csv?{args}")), "Members")
    assert members == {"Reported once": "3", "2–4 times": "1", "5 times or more": "1"}
    agents = csv_rows(client.get(f"/agent/reports/agents.csv?{args}"))
    assert agents[0] == [
        "Agent",
        "Tickets solved",
        "Public replies",
        "Decisions",
        "Median first response (h)",
    ]
    assert agents[1:] == [["Priya", "1", "1", "4", "1.0"]]
    summary = client.get(f"/agent/reports?{args}").get_data(as_text=True)
    assert "<strong>6.0</strong> hours to a first decision (median of 3)" in summary


def test_mail_in_and_out(app, client, agent):
    with app.app_context():
        for number, outcome in enumerate(
            [InboundOutcome.CREATED] * 2 + [InboundOutcome.QUARANTINED, InboundOutcome.IGNORED]
        ):
            db.session.add(
                InboundMail(
                    channel="file",
                    size=1,
                    sha256=f"{number:064d}",
                    outcome=outcome,
                    received_at=at(10),
                )
            )
        for number, status in enumerate(
            [MailStatus.SENT] * 3 + [MailStatus.BLOCKED, MailStatus.SUPPRESSED]
        ):
            db.session.add(
                OutboundMail(
                    kind=MailKind.AGENT_REPLY,
                    status=status,
                    recipient="a@example.org",
                    email_message_id=f"<{number}@test>",
                    subject="s",
                    body_text="b",
                    created_at=at(10),
                )
            )
        db.session.commit()
    args = "from=2026-11-10&to=2026-11-10"
    inbound = column(csv_rows(client.get(f"/agent/reports/mail_intake.csv?{args}")), "Mails")
    assert inbound == {
        "Created": "2",
        "Appended": "0",
        "Duplicate": "0",
        "Ignored": "1",
        "Quarantined": "1",
    }
    outbox = column(csv_rows(client.get(f"/agent/reports/mail_outbox.csv?{args}")), "Mails")
    assert outbox["Sent"] == "3"
    assert outbox["Blocked by the privacy guard"] == "1"
    assert outbox["Suppressed by the hourly cap"] == "1"
    assert outbox["Bounced"] == outbox["Failed"] == "0"


def test_csv_cells_cannot_run_as_formulas(app, client, agent):
    with app.app_context():
        category = db.session.scalar(select(Category).where(Category.slug == "fraud"))
        category.name = '=HYPERLINK("http://evil.example","Fraud")'
        add_ticket("fraud", created=at(10))
        db.session.commit()
    rows = csv_rows(client.get("/agent/reports/received.csv?from=2026-11-10&to=2026-11-10"))
    assert rows[0][1] == '\'=HYPERLINK("http://evil.example","Fraud")'
    transparency = csv_rows(
        client.get("/agent/reports/transparency.csv?from=2026-11-10&to=2026-11-10")
    )
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in transparency for cell in row)


def test_every_chart_is_drawn_with_a_text_alternative_and_its_numbers(app, client, agent):
    with app.app_context():
        ticket = add_ticket(created=utcnow() - timedelta(days=1), first=utcnow(), solved=utcnow())
        ticket.assignee = make_user("agent")
        db.session.commit()
    page = client.get("/agent/reports")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    keys = [
        "received",
        "flow",
        "backlog_status",
        "backlog_age",
        "first_response_weekly",
        "resolution_weekly",
        "times_by_category",
        "targets",
        "decisions_action",
        "decisions_policy",
        "reported_members",
        "agents",
        "mail_intake",
        "mail_outbox",
        "help_articles",
    ]
    for key in keys:
        figure = html.split(f'<figure class="report-chart" id="{key}">', 1)[1].split(
            "</figure>", 1
        )[0]
        assert "<summary>Show the numbers</summary>" in figure, key
        assert f'href="/agent/reports/{key}.csv?' in figure, key
        if key != "help_articles":  # no article was used in the period
            assert (
                f'aria-labelledby="chart-{key}-title" aria-describedby="chart-{key}-desc"' in figure
            ), key
            assert f'<desc id="chart-{key}-desc">' in figure, key


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("period=5", "Choose the last 7, 30, 90 days"),
        ("from=2026-11-10&to=2026-11-01", "The last day comes before the first."),
        ("from=2026-11-10", "Give a date as YYYY-MM-DD."),
        ("from=2024-01-01&to=2026-01-01", "Choose at most 366 days."),
        ("month=2026-13", "Give the month as YYYY-MM."),
        ("category=nope", "There is no category"),
        ("channel=fax", "Choose a channel among web, email, api."),
    ],
)
def test_bad_filters_are_refused_with_a_reason(client, agent, query, message):
    response = client.get(f"/agent/reports?{query}")
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert client.get(f"/agent/reports/flow.csv?{query}").status_code == 400


def test_a_month_runs_from_its_first_to_its_last_day(app, client, agent):
    with app.app_context():
        add_ticket(created=datetime(2026, 2, 28, 23, tzinfo=UTC))
        add_ticket(created=datetime(2026, 3, 1, 0, tzinfo=UTC))
        db.session.commit()
    rows = csv_rows(client.get("/agent/reports/flow.csv?month=2026-02"))
    assert rows[1][0] == "2026-02-01" and rows[-1][0] == "2026-02-28"
    assert sum(int(row[1]) for row in rows[1:]) == 1


@pytest.mark.parametrize(
    "path",
    [
        "/agent/reports",
        "/agent/reports/flow.csv",
        "/agent/reports/transparency",
        "/agent/reports/transparency.csv",
    ],
)
def test_members_are_refused_and_visitors_sent_to_log_in(client, login_as, path):
    assert client.get(path).status_code == 302
    login_as("member")
    assert client.get(path).status_code == 403


def test_admins_reach_the_reports_from_their_dashboard(client, login_as):
    login_as("admin")
    assert 'href="/agent/reports"' in client.get("/admin/").get_data(as_text=True)
    assert client.get("/agent/reports").status_code == 200


def test_unknown_chart_is_not_found(client, agent):
    assert client.get("/agent/reports/nothing.csv").status_code == 404


def _token(app, *scopes) -> str:
    with app.app_context():
        _, secret = api_tokens.create_token(None, "Dashboard", scopes)
        db.session.commit()
    return secret


def test_the_api_summary_needs_the_stats_scope(app, client):
    with app.app_context():
        add_ticket(created=at(10), source=Source.API)
        add_ticket(created=at(10))
        db.session.commit()
    url = "/api/v1/reports/summary?from=2026-11-10&to=2026-11-10&channel=api"
    assert client.get(url).status_code == 401
    other = _token(app, "reports:read", "tickets:read")
    assert client.get(url, headers={"Authorization": f"Bearer {other}"}).status_code == 403
    secret = _token(app, "stats:read")
    response = client.get(url, headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 200
    body = response.get_json()
    assert body["period"] == {
        "from": "2026-11-10",
        "to": "2026-11-10",
        "days": 1,
        "unit": "day",
        "time_zone": "UTC",
    }
    assert body["channel"] == "api"
    charts = {chart["key"]: chart for section in body["sections"] for chart in section["charts"]}
    assert charts["flow"]["series"][0] == {"name": "Received", "values": [1]}
    bad = client.get(
        "/api/v1/reports/summary?to=2026-11-10", headers={"Authorization": f"Bearer {secret}"}
    )
    assert bad.status_code == 422
    assert bad.get_json()["errors"] == [{"field": "from", "detail": "Give a date as YYYY-MM-DD."}]


def test_the_time_zone_setting_is_checked(tmp_path):
    config = build_config(tmp_path, {"SECRET_KEY": "x", "HELPDESK_TIME_ZONE": "Europe/Paris"}, None)
    assert config["HELPDESK_TIME_ZONE"] == "Europe/Paris"
    assert build_config(tmp_path, {"SECRET_KEY": "x"}, None)["HELPDESK_TIME_ZONE"] == "UTC"
    for wrong in ("Mars/Olympus", "../etc/passwd", ""):
        with pytest.raises(ConfigError, match="HELPDESK_TIME_ZONE"):
            build_config(tmp_path, {"SECRET_KEY": "x", "HELPDESK_TIME_ZONE": wrong}, None)
