"""The admin console: the audit log, its CSV export, and the API tokens page."""

import csv
import io
import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from helpdesk import audit
from helpdesk.database import db
from helpdesk.models import ApiToken, AuditEvent, User

from .conftest import csrf_token, submit
from .factories import make_ticket, make_user

HOSTILE = '=HYPERLINK("http://evil")'


def _event(action: str, when: datetime, actor: User | None = None, **fields) -> int:
    event = audit.record(actor, action, **fields)
    db.session.flush()
    event.created_at = when
    db.session.flush()
    return event.id


def _user(email: str) -> User:
    return db.session.scalar(select(User).where(User.email == email))


def _day(day: int, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


def _listed(client, url: str) -> str:
    """The table of events on a page, without the filter form (whose options name actions)."""
    html = client.get(url).get_data(as_text=True)
    return html.split("<tbody>", 1)[1] if "<tbody>" in html else ""


def _rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


# ---------- Who may see it ----------


@pytest.mark.parametrize("role", ["member", "agent"])
@pytest.mark.parametrize("page", ["/admin/audit", "/admin/audit.csv", "/admin/api-tokens"])
def test_members_and_agents_are_refused(client, login_as, role, page):
    login_as(role)
    assert client.get(page).status_code == 403


@pytest.mark.parametrize("role", ["member", "agent"])
def test_members_and_agents_cannot_create_or_revoke_tokens(app, client, login_as, role):
    login_as(role)
    token = csrf_token(client, "/tickets/new")
    with app.app_context():
        from helpdesk import api_tokens

        created, _ = api_tokens.create_token(None, "Tool", ["reports:read"])
        db.session.commit()
        token_id = created.id
    created_response = client.post(
        "/admin/api-tokens",
        data={"csrf_token": token, "name": "Sneaky", "scopes": ["reports:read"]},
    )
    revoke_response = client.post(
        f"/admin/api-tokens/{token_id}/revoke", data={"csrf_token": token}
    )
    assert created_response.status_code == 403
    assert revoke_response.status_code == 403
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ApiToken)) == 1
        assert db.session.get(ApiToken, token_id).is_active


def test_anonymous_visitors_are_sent_to_log_in(client):
    for page in ("/admin/audit", "/admin/audit.csv", "/admin/api-tokens"):
        response = client.get(page)
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]


def test_the_admin_landing_page_links_both_pages(client, login_as):
    login_as("admin")
    html = client.get("/admin/").get_data(as_text=True)
    assert 'href="/admin/audit"' in html
    assert 'href="/admin/api-tokens"' in html


# ---------- The audit log ----------


def test_the_log_shows_every_event_newest_first(app, client, login_as):
    login_as("admin")
    with app.app_context():
        agent = make_user("agent", display_name="Agent Ana")
        ticket = make_ticket()
        _event("ticket.noted", _day(2), agent, ticket=ticket)
        _event("mail.retried", _day(3), None, target="mail:7", attempts=2, to=["a", "b"])
        db.session.commit()
        reference = ticket.reference
    response = client.get("/admin/audit")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.index("mail.retried") < html.index("ticket.noted")  # newest first
    assert f'href="/agent/tickets/{reference}"' in html
    assert "mail:7" in html and "System" in html and "Agent Ana" in html
    assert "attempts=2" in html and "to=[&#34;a&#34;, &#34;b&#34;]" in html


def test_filter_by_actor_from_the_list_or_by_email(app, client, login_as):
    login_as("admin")
    with app.app_context():
        ana = make_user("agent", email="ana@example.org")
        bo = make_user("agent", email="bo@example.org")
        _event("test.by_ana", _day(2), ana)
        _event("test.by_bo", _day(2), bo)
        _event("test.by_system", _day(2), None)
        db.session.commit()
        ana_id = ana.id
    listed = client.get("/admin/audit").get_data(as_text=True)
    assert f'<option value="{ana_id}"' in listed

    html = _listed(client, f"/admin/audit?actor={ana_id}")
    assert "test.by_ana" in html and "test.by_bo" not in html and "test.by_system" not in html

    html = _listed(client, "/admin/audit?email=BO@example.org")
    assert "test.by_bo" in html and "test.by_ana" not in html

    html = _listed(client, "/admin/audit?actor=system")
    assert "test.by_system" in html and "test.by_ana" not in html and "test.by_bo" not in html


def test_filter_by_exact_action_or_its_family(app, client, login_as):
    login_as("admin")
    with app.app_context():
        _event("api_token.created", _day(2), target="api_token:1")
        _event("api_token.revoked", _day(2), target="api_token:1")
        _event("apixtoken.other", _day(2), target="x")  # "_" must not act as a wildcard
        db.session.commit()
    html = client.get("/admin/audit").get_data(as_text=True)
    assert '<option value="api_token.*"' in html and '<option value="api_token.revoked"' in html

    html = _listed(client, "/admin/audit?action=api_token.revoked")
    assert "api_token.revoked" in html and "api_token.created" not in html

    body = _listed(client, "/admin/audit?action=api_token.*")
    assert "api_token.created" in body and "api_token.revoked" in body
    assert "apixtoken.other" not in body


def test_filter_by_dates_is_inclusive_in_utc(app, client, login_as):
    login_as("admin")
    with app.app_context():
        _event("test.before", _day(9, 23, 59))
        _event("test.first_moment", _day(10, 0, 0))
        _event("test.last_moment", _day(12, 23, 59))
        _event("test.after", _day(13, 0, 0))
        db.session.commit()
    html = _listed(client, "/admin/audit?from=2026-03-10&to=2026-03-12")
    assert "test.first_moment" in html and "test.last_moment" in html
    assert "test.before" not in html and "test.after" not in html

    html = _listed(client, "/admin/audit?from=2026-03-13")
    assert "test.after" in html and "test.last_moment" not in html


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("from=31/03/2026", "The From date must be a date like 2026-03-31."),
        ("to=yesterday", "The To date must be a date like 2026-03-31."),
        ("from=2026-03-12&to=2026-03-10", "The From date is after the To date."),
        ("actor=bob", "Choose the actor from the list."),
    ],
)
def test_unreadable_filters_are_named(client, login_as, query, message):
    login_as("admin")
    response = client.get(f"/admin/audit?{query}")
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    csv_response = client.get(f"/admin/audit.csv?{query}")
    assert csv_response.status_code == 400
    assert message in csv_response.get_data(as_text=True)


NEXT_LINK = re.compile(r'href="(/admin/audit\?[^"]*after=[^"]+)">Next page</a>')


def test_pages_follow_each_other_by_keyset(app, client, login_as, monkeypatch):
    monkeypatch.setattr(audit, "PAGE_SIZE", 2)
    login_as("admin")
    with app.app_context():
        # Three events share one instant: the id breaks the tie, so none is lost or repeated.
        ids = [
            _event("test.paged", _day(1), target="t0"),
            _event("test.paged", _day(2), target="t1"),
            _event("test.paged", _day(2), target="t2"),
            _event("test.paged", _day(2), target="t3"),
            _event("test.paged", _day(5), target="t4"),
        ]
        _event("test.unrelated", _day(3), target="other")
        db.session.commit()
    assert ids == sorted(ids)
    seen: list[str] = []
    url = "/admin/audit?action=test.paged"
    pages = 0
    while url:
        html = client.get(url.replace("&amp;", "&")).get_data(as_text=True)
        pages += 1
        seen += re.findall(r'<span class="mono">(t\d|other)</span>', html)
        match = NEXT_LINK.search(html)
        url = match.group(1) if match else None
        if url:
            assert "action=test.paged" in url  # the filters carry over
    assert pages == 3
    assert seen == ["t4", "t3", "t2", "t1", "t0"]


def test_a_foreign_cursor_starts_from_the_top(app, client, login_as):
    login_as("admin")
    with app.app_context():
        _event("test.only", _day(2))
        db.session.commit()
    response = client.get("/admin/audit?after=not-a-cursor")
    assert response.status_code == 200
    assert "test.only" in response.get_data(as_text=True)


# ---------- The CSV export ----------


def test_csv_neutralises_formulas_in_every_cell(app, client, login_as):
    login_as("admin")
    with app.app_context():
        villain = make_user("member", display_name=HOSTILE)
        ticket = make_ticket(reporter=villain, subject=HOSTILE)
        _event("test.hostile", _day(2), villain, ticket=ticket, note="+1", who="@all", tab="\tx")
        _event("test.hostile", _day(1), None, target="-2+3")
        db.session.commit()
        reference = ticket.reference
    response = client.get("/admin/audit.csv?action=test.hostile")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.is_streamed
    header, first, second = _rows(response)
    assert header == list(audit.CSV_HEADER)
    assert first[2] == "'" + HOSTILE  # the actor's name
    assert first[4] == reference
    assert first[5] == "'" + HOSTILE  # the ticket's subject
    assert first[7] == "note=+1 who=@all tab=\tx"
    assert second[1:3] == ["", "System"]
    assert second[6] == "'-2+3"
    for row in (first, second):
        for cell in row:
            assert not cell.startswith(audit.FORMULA_STARTS), cell


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@SUM(A1)", "\tcmd", "\rcmd"])
def test_each_formula_start_gets_an_apostrophe(text):
    assert audit.neutralise(text) == "'" + text
    assert audit.neutralise("plain " + text) == "plain " + text


def test_csv_keeps_the_filters_and_reads_in_batches(app, client, login_as, monkeypatch):
    monkeypatch.setattr(audit, "CSV_BATCH", 2)
    login_as("admin")
    with app.app_context():
        for minute in range(5):
            _event("test.batch", _day(4, 10, minute), target=f"row{minute}")
        _event("test.batch", _day(8), target="too-late")
        _event("test.other", _day(4), target="other")
        db.session.commit()
    response = client.get("/admin/audit.csv?action=test.batch&to=2026-03-04")
    targets = [row[6] for row in _rows(response)[1:]]
    assert targets == ["row4", "row3", "row2", "row1", "row0"]


# ---------- API tokens ----------


def test_a_new_token_shows_its_secret_once(app, client, login_as):
    email = login_as("admin")
    response = submit(
        client,
        "/admin/api-tokens",
        {"name": "Marketplace", "scopes": ["reports:create", "reports:read"]},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    secret = re.search(r'value="(hdk_[^"]+)"', html).group(1)
    with app.app_context():
        token = db.session.scalar(select(ApiToken))
        assert token.name == "Marketplace"
        assert token.scopes == ["reports:create", "reports:read"]
        assert token.prefix == secret[: len(token.prefix)]
        event = db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "api_token.created")
        )
        assert event.actor.email == email
        assert event.target == f"api_token:{token.id}"

    listing = client.get("/admin/api-tokens").get_data(as_text=True)
    assert "Marketplace" in listing and "reports:create, reports:read" in listing
    assert "active" in listing
    assert secret not in listing
    assert secret[len(token.prefix) :] not in listing


def test_revoking_a_token_stops_it_and_is_audited(app, client, login_as):
    email = login_as("admin")
    with app.app_context():
        from helpdesk import api_tokens

        token, secret = api_tokens.create_token(None, "Triage bot", ["tickets:read"])
        db.session.commit()
        token_id = token.id
    response = submit(client, f"/admin/api-tokens/{token_id}/revoke", {}, page="/admin/api-tokens")
    assert response.status_code == 302
    html = client.get("/admin/api-tokens").get_data(as_text=True)
    assert "Revoked “Triage bot”" in html and "revoked" in html
    assert f"/admin/api-tokens/{token_id}/revoke" not in html  # no button for a revoked token
    with app.app_context():
        assert not db.session.get(ApiToken, token_id).is_active
        assert api_tokens.verify(secret) is None
        event = db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "api_token.revoked")
        )
        assert event.actor.email == email
        assert event.target == f"api_token:{token_id}"


def test_revoking_an_unknown_token_is_404(client, login_as):
    login_as("admin")
    response = submit(client, "/admin/api-tokens/999/revoke", {}, page="/admin/api-tokens")
    assert response.status_code == 404


def test_revoking_needs_the_csrf_token(app, client, login_as):
    login_as("admin")
    with app.app_context():
        from helpdesk import api_tokens

        token, _ = api_tokens.create_token(None, "Tool", ["reports:read"])
        db.session.commit()
        token_id = token.id
    assert client.post(f"/admin/api-tokens/{token_id}/revoke").status_code == 400
    with app.app_context():
        assert db.session.get(ApiToken, token_id).is_active


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "", "scopes": ["reports:read"]}, "Name the token (1 to 100 characters)."),
        ({"name": "   ", "scopes": ["reports:read"]}, "Name the token (1 to 100 characters)."),
        ({"name": "Tool", "scopes": ["reports:read", "admin:all"]}, "not [&#39;admin:all&#39;]"),
        ({"name": "Tool"}, "Choose one or more of reports:create"),
    ],
)
def test_bad_token_input_is_explained_and_creates_nothing(app, client, login_as, data, message):
    login_as("admin")
    response = submit(client, "/admin/api-tokens", data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in html
    assert "hdk_" not in html
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ApiToken)) == 0
        assert (
            db.session.scalar(
                select(func.count())
                .select_from(AuditEvent)
                .where(AuditEvent.action.like("api_token%"))
            )
            == 0
        )


def test_creating_needs_the_csrf_token(app, client, login_as):
    login_as("admin")
    response = client.post("/admin/api-tokens", data={"name": "Tool", "scopes": ["reports:read"]})
    assert response.status_code == 400
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ApiToken)) == 0
