"""NUL and the other C0 control characters are refused at the door, on both databases: every
form field and query parameter of every page, path parts and the API's JSON fields."""

import json
from html.parser import HTMLParser
from urllib.parse import urlencode

import pytest
from sqlalchemy import func, select

from helpdesk.database import db
from helpdesk.models import Ticket, User

from .conftest import CSRF_INPUT, log_in, submit
from .factories import make_ticket, make_user

NUL = "x\x00y"
# Pages a person reaches while logged in as an admin (who may open every page), and without.
STAFF_PAGES = [
    "/",
    "/help/",
    "/tickets",
    "/tickets/new",
    "/account",
    "/agent/",
    "/agent/canned-replies",
    "/admin/",
    "/admin/users",
    "/admin/users/invite",
    "/admin/categories",
    "/admin/categories/new",
    "/admin/mail",
    "/admin/inbound",
    "/admin/outbox",
    "/admin/audit",
    "/admin/api-tokens",
    "/admin/articles/",
    "/admin/articles/new",
]
PUBLIC_PAGES = ["/register", "/login", "/password/reset"]
SKIPPED_INPUTS = {"csrf_token"}
TEXT_INPUT_TYPES = {"text", "email", "search", "url", "password", "hidden", "number", "date", ""}


class _Forms(HTMLParser):
    """Each form of a page: its method, action and the fields a browser would send."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            method = (attrs.get("method") or "get").lower()
            self.forms.append({"method": method, "action": attrs.get("action"), "fields": {}})
        elif self.forms and tag in ("input", "textarea", "select") and attrs.get("name"):
            kind = (attrs.get("type") or "").lower() if tag == "input" else ""
            if kind in TEXT_INPUT_TYPES:
                self.forms[-1]["fields"].setdefault(attrs["name"], attrs.get("value") or "")


def _forms(html: str) -> list[dict]:
    parser = _Forms()
    parser.feed(html)
    return parser.forms


def _sweep(client, pages: list[str]) -> list[tuple[str, str, str, int]]:
    """Send every field of every form on `pages` with a NUL in it, one field at a time."""
    answers = []
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        html = response.get_data(as_text=True)
        token = CSRF_INPUT.search(html)
        for form in _forms(html):
            action = form["action"] or page
            for field in form["fields"].keys() - SKIPPED_INPUTS:
                data = {**form["fields"], field: NUL}
                if form["method"] == "post":
                    data["csrf_token"] = token.group(1) if token else ""
                    status = client.post(action, data=data).status_code
                else:
                    status = client.get(f"{action}?{urlencode(data)}").status_code
                answers.append((page, action, field, status))
    return answers


def _counts(app) -> tuple[int, int]:
    with app.app_context():
        return (
            db.session.scalar(select(func.count(Ticket.id))),
            db.session.scalar(select(func.count(User.id))),
        )


def test_every_form_field_of_every_page_refuses_a_nul(app, client):
    with app.app_context():
        admin = make_user(role="admin")
        ticket = make_ticket(reporter=admin)
        db.session.commit()
        email, reference = admin.email, ticket.reference
    log_in(client, email)
    before = _counts(app)

    staff = _sweep(client, [*STAFF_PAGES, f"/tickets/{reference}", f"/agent/tickets/{reference}"])
    public = _sweep(app.test_client(), PUBLIC_PAGES)

    answers = staff + public
    fields = {(action, field) for _, action, field, _ in answers}
    assert len(fields) > 60, "the sweep found too few fields to mean anything"
    assert [answer for answer in answers if answer[3] != 400] == []
    assert _counts(app) == before


@pytest.mark.parametrize(
    "path",
    [
        "/agent/?q=jane%00doe",
        "/agent/?view=new_open%00",
        "/tickets/new?reported=jane%00doe",
        "/tickets/new?context_url=https://x.example/%01",
        "/admin/users?q=%00",
        "/help/search?q=pay%00ment",
        "/tickets/HD-7K3QX9M%00",
        "/agent/tickets/HD-%00",
    ],
)
def test_a_control_character_in_the_address_is_a_clear_400(app, client, path):
    with app.app_context():
        admin = make_user(role="admin")
        db.session.commit()
        email = admin.email
    log_in(client, email)

    response = client.get(path)

    assert response.status_code == 400
    assert "control character" in response.get_data(as_text=True)


def test_a_text_area_keeps_tabs_and_line_breaks(app, client):
    with app.app_context():
        ticket = make_ticket()
        db.session.commit()
        email, reference = ticket.reporter.email, ticket.reference
    log_in(client, email)
    text = "First line\r\n\tan indented second line"

    response = submit(client, f"/tickets/{reference}", {"body": text})

    assert response.status_code == 302
    assert "an indented second line" in client.get(f"/tickets/{reference}").get_data(as_text=True)


def _api_token(runner, scope: str) -> str:
    result = runner.invoke(args=["api", "tokens", "create", "Marketplace", "--scope", scope])
    assert result.exit_code == 0, result.output
    return result.stdout.strip().splitlines()[-1]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"subject": "Asked to\u0000pay outside"}, "subject"),
        ({"description": "bell \u0007 in the text of the report"}, "description"),
        ({"answers": {"when": "today\u0000"}}, "answers.when"),
    ],
)
def test_the_api_refuses_a_control_character_in_any_json_field(app, runner, body, field):
    token = _api_token(runner, "reports:create")
    report = {
        "marketplace_member_id": "mkt-1",
        "member_email": "amara@example.org",
        "member_name": "Amara",
        "category": "harassment",
        "subject": "Asked to pay outside",
        "description": "The client asked me to move payment to a bank transfer.",
        **body,
    }
    before = _counts(app)

    response = app.test_client().post(
        "/api/v1/reports",
        data=json.dumps(report),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )

    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert response.json["errors"] == [{"field": field, "detail": "Remove the control character."}]
    assert _counts(app) == before


@pytest.mark.parametrize(
    "args",
    [
        ["users", "create", "x\x00@example.org", "--password", "a long passphrase"],
        ["users", "create", "ok@example.org", "--password", "a long\x00passphrase"],
        ["users", "create", "ok@example.org", "--password", "a long passphrase", "--name", "A\x07"],
        ["api", "tokens", "create", "Mark\x00etplace", "--scope", "reports:create"],
        ["mail", "ingest", "mail\x00.eml"],
    ],
)
def test_the_cli_refuses_a_control_character_in_any_argument(app, runner, args):
    before = _counts(app)

    result = runner.invoke(args=args)

    assert result.exit_code == 2
    assert "control character" in result.output
    assert _counts(app) == before
