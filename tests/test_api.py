"""The JSON API: tokens and scopes, reports for the marketplace, tickets for the team's tools."""

import io
import json
import re
import socket
import uuid
from urllib.parse import urlencode

import pytest
from sqlalchemy import func, select

from helpdesk import accounts, api_tokens, create_app, tickets
from helpdesk.categories import active_category_by_slug
from helpdesk.database import db
from helpdesk.errors import InvalidInput
from helpdesk.models import (
    ApiToken,
    AuditEvent,
    MailKind,
    MailStatus,
    Message,
    MessageKind,
    OutboundMail,
    Priority,
    Source,
    Status,
    Ticket,
    User,
)

from .factories import make_ticket, make_user

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
REPORT = {
    "marketplace_member_id": "mkt-1001",
    "member_email": "amara@members.example",
    "member_name": "Amara Okafor",
    "category": "off-platform-payment",
    "subject": "Asked to pay outside the platform",
    "description": "The client asked me to move payment to a bank transfer.",
    "reported": "jane_doe",
    "context_url": "https://marketplace.example/jobs/123",
}


@pytest.fixture
def make_token(app):
    """make_token(*scopes) -> the secret of a new token with those scopes."""

    def make(*scopes: str, name: str = "Test tool") -> str:
        with app.app_context():
            _, secret = api_tokens.create_token(None, name, scopes)
            db.session.commit()
        return secret

    return make


def bearer(secret: str, **headers) -> dict:
    return {"Authorization": f"Bearer {secret}", **headers}


def count(app, model, *conditions) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*conditions))


def assert_problem(response, status: int, field: str | None = None) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == status and body["title"] and body["detail"]
    if field is not None:
        assert field in {error["field"] for error in body["errors"]}, body
    return body


@pytest.fixture
def agent_ticket(app):
    """A web report with an agent's assignment, a reply and a note: (reference, agent name)."""
    with app.app_context():
        reporter = make_user(email="lukas@members.example")
        reporter.marketplace_id = "mkt-2002"
        agent = make_user(role="agent", display_name="Priya Raman")
        ticket = make_ticket(reporter, category="fraud", reported="jane_doe")
        tickets.assign(agent, ticket, agent)
        tickets.post_reply(agent, ticket, "Thank you, we are looking into your report.")
        tickets.add_note(agent, ticket, "Second report about this account; payments team asked.")
        tickets.set_status(agent, ticket, Status.ON_HOLD)
        db.session.commit()
        return ticket.reference, agent.display_name


# --- tokens -----------------------------------------------------------------------------------


def test_requests_without_a_valid_token_are_refused(app, client, make_token):
    secret = make_token("reports:read")
    with app.app_context():
        api_tokens.revoke(None, db.session.scalar(select(ApiToken)))
        db.session.commit()
    for headers in ({}, bearer("hdk_not-a-token"), {"Authorization": "Basic eDp5"}, bearer(secret)):
        response = client.get("/api/v1/categories", headers=headers)
        assert_problem(response, 401)
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_only_a_hash_of_the_secret_is_stored(app, make_token):
    secret = make_token("tickets:read")
    with app.app_context():
        token = db.session.scalar(select(ApiToken))
        assert secret not in (token.token_hash, token.prefix)
        assert secret.startswith(token.prefix)
        assert api_tokens.verify(secret) == token


def test_a_ticket_working_token_acts_as_a_service_agent_without_password(app, make_token):
    make_token("tickets:read", "tickets:write", name="Triage bot")
    make_token("reports:create", name="Marketplace")
    with app.app_context():
        triage, marketplace = db.session.scalars(select(ApiToken).order_by(ApiToken.id))
        assert triage.user.is_agent and triage.user.password_hash is None
        assert triage.user.display_name == "API: Triage bot"
        assert marketplace.user is None


def test_unknown_scopes_are_refused(app_context):
    with pytest.raises(InvalidInput, match="scopes"):
        api_tokens.create_token(None, "Tool", ["tickets:delete"])
    with pytest.raises(InvalidInput, match="scopes"):
        api_tokens.create_token(None, "Tool", [])


def test_cli_creates_lists_and_revokes_tokens(app, client, runner):
    created = runner.invoke(
        args=["api", "tokens", "create", "Marketplace", "--scope", "reports:read"]
    )
    assert created.exit_code == 0, created.output
    secret = created.output.strip().splitlines()[-1]
    assert client.get("/api/v1/categories", headers=bearer(secret)).status_code == 200
    listed = runner.invoke(args=["api", "tokens", "list"])
    assert "Marketplace" in listed.output and "active" in listed.output
    assert secret not in listed.output
    token_id = count(app, ApiToken)
    revoked = runner.invoke(args=["api", "tokens", "revoke", str(token_id)])
    assert revoked.exit_code == 0, revoked.output
    assert client.get("/api/v1/categories", headers=bearer(secret)).status_code == 401
    missing = runner.invoke(args=["api", "tokens", "revoke", "999"])
    assert missing.exit_code != 0 and "no API token 999" in missing.output


SCOPED_REQUESTS = [
    ("reports:create", "post", "/api/v1/reports", {"json": REPORT}),
    ("reports:read", "get", "/api/v1/reports/HD-00000000?member=mkt-1", {}),
    ("tickets:read", "get", "/api/v1/tickets", {}),
    ("tickets:read", "get", "/api/v1/tickets/HD-00000000", {}),
    ("tickets:write", "patch", "/api/v1/tickets/HD-00000000", {"json": {}}),
    ("tickets:write", "post", "/api/v1/tickets/HD-00000000/replies", {"json": {"body": "Hi"}}),
    ("tickets:write", "post", "/api/v1/tickets/HD-00000000/notes", {"json": {"body": "Hi"}}),
]


@pytest.mark.parametrize(("scope", "method", "url", "kwargs"), SCOPED_REQUESTS)
def test_each_endpoint_refuses_a_token_without_its_scope(
    app, client, make_token, scope, method, url, kwargs
):
    others = [other for other in api_tokens.SCOPES if other != scope]
    response = getattr(client, method)(url, headers=bearer(make_token(*others)), **kwargs)
    body = assert_problem(response, 403)
    assert scope in body["detail"]
    assert count(app, Ticket) == 0


# --- reports ----------------------------------------------------------------------------------


@pytest.mark.p5
def test_categories_lists_the_active_ones(client, make_token):
    response = client.get("/api/v1/categories", headers=bearer(make_token("reports:create")))
    assert response.status_code == 200
    categories = {category["slug"]: category for category in response.get_json()}
    assert categories["harassment"]["is_interaction"] is True
    assert categories["harassment"]["interaction_notice"]
    assert categories["fraud"]["interaction_notice"] is None


@pytest.mark.p3
def test_a_report_is_opened_for_a_new_member_with_its_acknowledgment(app, client, make_token):
    response = client.post(
        "/api/v1/reports", json=REPORT, headers=bearer(make_token("reports:create"))
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    assert body["status"] == "Received" and body["category"] == "off-platform-payment"
    assert response.headers["Location"] == f"/api/v1/reports/{body['reference']}"
    assert [m["author"] for m in body["messages"]] == ["you"]
    with app.app_context():
        ticket = db.session.scalar(select(Ticket))
        assert ticket.source is Source.API and ticket.messages[0].origin is Source.API
        assert ticket.reported_member == "jane_doe"
        member = ticket.reporter
        assert (member.marketplace_id, member.email) == ("mkt-1001", "amara@members.example")
        assert member.password_hash is None and not member.is_agent
        mail = db.session.scalar(select(OutboundMail))
        assert (mail.kind, mail.recipient) == (MailKind.REPORT_RECEIVED, member.email)


def test_a_known_member_is_found_by_marketplace_id_or_linked_by_email(app, client, make_token):
    with app.app_context():
        registered = make_user(email="amara@members.example")
        db.session.commit()
        registered_id = registered.id
    headers = bearer(make_token("reports:create"))
    assert client.post("/api/v1/reports", json=REPORT, headers=headers).status_code == 201
    renamed = REPORT | {"member_email": "amara.new@members.example", "subject": "Another one"}
    assert client.post("/api/v1/reports", json=renamed, headers=headers).status_code == 201
    with app.app_context():
        reporters = set(db.session.scalars(select(Ticket.reporter_id)))
        assert reporters == {registered_id}
        assert db.session.get(User, registered_id).marketplace_id == "mkt-1001"
    # A known member's address and name are checked all the same.
    for field, value in (("member_email", "not an address"), ("member_name", "  ")):
        response = client.post("/api/v1/reports", json=renamed | {field: value}, headers=headers)
        assert_problem(response, 422, field)
    # An address that is another member's is a conflict, not a mistake in the request.
    someone_else = REPORT | {"marketplace_member_id": "mkt-2002"}
    response = client.post("/api/v1/reports", json=someone_else, headers=headers)
    assert_problem(response, 409, "member_email")


def test_a_report_with_evidence_files_as_multipart(app, client, make_token):
    data = REPORT | {"evidence": [(io.BytesIO(PNG), "chat.png"), (io.BytesIO(b"hello"), "n.txt")]}
    response = client.post(
        "/api/v1/reports",
        data=data,
        content_type="multipart/form-data",
        headers=bearer(make_token("reports:create")),
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    files = response.get_json()["messages"][0]["attachments"]
    assert [(f["filename"], f["content_type"]) for f in files] == [
        ("chat.png", "image/png"),
        ("n.txt", "text/plain"),
    ]


@pytest.mark.p6
def test_invalid_reports_name_the_field_and_store_nothing(app, client, make_token):
    headers = bearer(make_token("reports:create"))
    cases = [
        (REPORT | {"subject": "Hi"}, "subject"),
        (REPORT | {"category": "no-such-category"}, "category"),
        (REPORT | {"reported": "not a username!"}, "reported"),
        (REPORT | {"member_email": "not-an-address"}, "member_email"),
        ({k: v for k, v in REPORT.items() if k != "description"}, "description"),
        (REPORT | {"subject": 42}, "subject"),
        (REPORT | {"unexpected": "x"}, "unexpected"),
    ]
    for body, field in cases:
        assert_problem(client.post("/api/v1/reports", json=body, headers=headers), 422, field)
    evidence = REPORT | {"evidence": [(io.BytesIO(b"MZ\x90\x00"), "tool.exe")]}
    response = client.post(
        "/api/v1/reports", data=evidence, content_type="multipart/form-data", headers=headers
    )
    assert_problem(response, 422, "evidence")
    assert count(app, Ticket) == 0
    assert count(app, User, User.marketplace_id.is_not(None)) == 0


def test_unreadable_or_oversized_bodies(app, client, make_token):
    headers = bearer(make_token("reports:create"))
    not_json = client.post(
        "/api/v1/reports", data="{", content_type="application/json", headers=headers
    )
    assert_problem(not_json, 400)
    as_text = client.post("/api/v1/reports", data="hi", content_type="text/plain", headers=headers)
    assert_problem(as_text, 415)
    app.config["MAX_CONTENT_LENGTH"] = 2048
    huge = REPORT | {"description": "x" * 4096}
    assert_problem(client.post("/api/v1/reports", json=huge, headers=headers), 413)
    assert count(app, Ticket) == 0


@pytest.mark.p6
def test_an_idempotency_key_makes_a_retry_return_the_first_report(app, client, make_token):
    headers = bearer(make_token("reports:create"), **{"Idempotency-Key": "order-77"})
    first = client.post("/api/v1/reports", json=REPORT, headers=headers)
    retried = client.post("/api/v1/reports", json=REPORT, headers=headers)
    assert first.status_code == retried.status_code == 201
    assert retried.get_json() == first.get_json()
    assert retried.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert count(app, Ticket) == 1
    assert count(app, OutboundMail) == 1
    other_token = bearer(make_token("reports:create"), **{"Idempotency-Key": "order-77"})
    assert client.post("/api/v1/reports", json=REPORT, headers=other_token).status_code == 201
    assert count(app, Ticket) == 2


@pytest.mark.parametrize(
    "change",
    [
        {"subject": "Asked to pay outside the platform, twice"},
        {"marketplace_member_id": "mkt-2", "member_email": "bo@members.example"},
    ],
    ids=["another subject", "another member"],
)
def test_an_idempotency_key_reused_for_another_report_is_refused(app, client, make_token, change):
    headers = bearer(make_token("reports:create"), **{"Idempotency-Key": "order-78"})
    first = client.post("/api/v1/reports", json=REPORT, headers=headers)
    reused = client.post("/api/v1/reports", json=REPORT | change, headers=headers)
    body = assert_problem(reused, 422, "Idempotency-Key")
    assert first.get_json()["reference"] in body["detail"]
    assert count(app, Ticket) == 1
    assert client.post("/api/v1/reports", json=REPORT, headers=headers).status_code == 201


def test_an_idempotency_key_covers_the_evidence_files(app, client, make_token):
    headers = bearer(make_token("reports:create"), **{"Idempotency-Key": "order-79"})

    def send(*files):
        data = REPORT | {"evidence": [(io.BytesIO(content), name) for content, name in files]}
        return client.post(
            "/api/v1/reports", data=data, content_type="multipart/form-data", headers=headers
        )

    first = send((PNG, "chat.png"))
    assert send((PNG, "chat.png")).headers["Idempotent-Replayed"] == "true"
    assert_problem(send((PNG + b"\x01", "chat.png")), 422, "Idempotency-Key")
    assert_problem(send((PNG, "chat.png"), (b"hello", "n.txt")), 422, "Idempotency-Key")
    assert first.status_code == 201 and count(app, Ticket) == 1


@pytest.mark.p1
@pytest.mark.p2
def test_the_reporters_view_shows_coarse_status_and_public_thread_only(
    client, make_token, agent_ticket
):
    """P1 and P2: no notes, events, assignee, agent names, internal status or reported party."""
    reference, agent_name = agent_ticket
    response = client.get(
        f"/api/v1/reports/{reference.lower()}?member=mkt-2002",
        headers=bearer(make_token("reports:read")),
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["status"] == "In review"
    assert [(m["author"], m["body"]) for m in body["messages"]] == [
        ("you", "He called me names after I asked to be paid."),
        ("team", "Thank you, we are looking into your report."),
    ]
    text = response.get_data(as_text=True)
    for secret in (agent_name, "Priya", "on_hold", "payments team", "jane_doe", "assign"):
        assert secret not in text
    assert set(body) == {
        "reference",
        "status",
        "category",
        "category_name",
        "subject",
        "created_at",
        "messages",
    }


@pytest.mark.p1
@pytest.mark.p7
def test_a_report_is_visible_to_its_own_reporter_only(client, make_token, agent_ticket):
    reference, _ = agent_ticket
    headers = bearer(make_token("reports:read"))
    for member in ("mkt-9999", ""):
        response = client.get(f"/api/v1/reports/{reference}?member={member}", headers=headers)
        assert_problem(response, 404)
    assert_problem(client.get(f"/api/v1/reports/{reference}", headers=headers), 422, "member")
    missing = client.get("/api/v1/reports/HD-ZZZZZZZZ?member=mkt-2002", headers=headers)
    assert_problem(missing, 404)


# --- tickets ----------------------------------------------------------------------------------


@pytest.fixture
def agent_headers(make_token):
    return bearer(make_token("tickets:read", "tickets:write", name="Triage bot"))


def test_list_tickets_with_inbox_filters_search_and_cursor(app, client, agent_headers):
    with app.app_context():
        reporter = make_user()
        make_ticket(reporter, category="fraud", subject="Fake payment screenshot")
        make_ticket(reporter, category="harassment", subject="Insults in the workroom")
        make_ticket(reporter, category="other", subject="Spam proposals everywhere")
        db.session.commit()

    def subjects(query: str) -> list[str]:
        response = client.get(f"/api/v1/tickets?{query}", headers=agent_headers)
        assert response.status_code == 200, response.get_data(as_text=True)
        return [ticket["subject"] for ticket in response.get_json()["tickets"]]

    assert len(subjects("view=new_open")) == 3
    assert subjects("category=harassment") == ["Insults in the workroom"]
    assert subjects("priority=high&sort=priority") == [
        "Fake payment screenshot",
        "Insults in the workroom",
    ]
    assert subjects("q=screenshot") == ["Fake payment screenshot"]
    assert subjects("view=closed") == []
    seen, cursor = [], ""
    for _ in range(3):
        page = client.get(f"/api/v1/tickets?limit=1{cursor}", headers=agent_headers).get_json()
        seen += [ticket["reference"] for ticket in page["tickets"]]
        cursor = f"&cursor={page['next_cursor']}" if page["next_cursor"] else ""
    assert len(set(seen)) == 3 and cursor == ""
    for bad in ("view=everything", "limit=0", "category=nope", "priority=max", "cursor=WyIx"):
        field = bad.split("=")[0]
        response = client.get(f"/api/v1/tickets?{bad}", headers=agent_headers)
        assert_problem(response, 422, field)


def test_read_a_ticket_with_its_whole_thread_and_version(client, agent_headers, agent_ticket):
    reference, agent_name = agent_ticket
    response = client.get(f"/api/v1/tickets/{reference}", headers=agent_headers)
    assert response.status_code == 200
    body = response.get_json()
    assert response.headers["ETag"] == f'"{body["version"]}"'
    assert body["status"] == "on_hold" and body["assignee"]["display_name"] == agent_name
    assert body["reporter"]["marketplace_id"] == "mkt-2002"
    assert body["reported_member"] == "jane_doe"
    assert [m["kind"] for m in body["messages"]] == ["reporter", "reply", "note"]
    assert_problem(client.get("/api/v1/tickets/HD-ZZZZZZZZ", headers=agent_headers), 404)


def _version(client, reference: str, headers: dict) -> str:
    return client.get(f"/api/v1/tickets/{reference}", headers=headers).headers["ETag"]


def test_patch_changes_a_ticket_as_the_tokens_service_agent(app, client, agent_headers):
    with app.app_context():
        reference = make_ticket().reference
        colleague = make_user(role="agent")
        db.session.commit()
        colleague_id = colleague.id
    patch = {"status": "open", "priority": "urgent", "category": "fraud", "assignee": colleague_id}
    response = client.patch(
        f"/api/v1/tickets/{reference}",
        json=patch,
        headers=agent_headers | {"If-Match": _version(client, reference, agent_headers)},
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert (body["status"], body["priority"], body["category"]) == ("open", "urgent", "fraud")
    assert body["assignee"]["id"] == colleague_id
    assert response.headers["ETag"] == f'"{body["version"]}"'
    with app.app_context():
        changes = db.session.scalars(
            select(AuditEvent).where(
                AuditEvent.action != "ticket.created", AuditEvent.ticket_id.is_not(None)
            )
        ).all()
        assert {event.action for event in changes} == {
            "ticket.status_changed",
            "ticket.priority_changed",
            "ticket.category_changed",
            "ticket.assigned",
        }
        assert {event.actor.display_name for event in changes} == {"API: Triage bot"}
    unassign = client.patch(
        f"/api/v1/tickets/{reference}",
        json={"assignee": None},
        headers=agent_headers | {"If-Match": response.headers["ETag"]},
    )
    assert unassign.status_code == 200 and unassign.get_json()["assignee"] is None


def test_patch_with_a_stale_version_is_refused_and_changes_nothing(app, client, agent_headers):
    with app.app_context():
        reference = make_ticket().reference
        db.session.commit()
    url = f"/api/v1/tickets/{reference}"
    stale = _version(client, reference, agent_headers)
    fresh = client.patch(url, json={"priority": "low"}, headers=agent_headers | {"If-Match": stale})
    assert fresh.status_code == 200
    response = client.patch(
        url, json={"status": "open"}, headers=agent_headers | {"If-Match": stale}
    )
    body = assert_problem(response, 412)
    assert "changed the priority from High to Low" in body["detail"]
    assert_problem(client.patch(url, json={"status": "open"}, headers=agent_headers), 428)
    assert client.get(url, headers=agent_headers).get_json()["status"] == "new"


def test_patch_refusals_from_the_domain(app, client, agent_headers):
    with app.app_context():
        reference = make_ticket().reference
        member_id = make_user().id
        db.session.commit()
    url = f"/api/v1/tickets/{reference}"

    def patch(body):
        headers = agent_headers | {"If-Match": _version(client, reference, agent_headers)}
        return client.patch(url, json=body, headers=headers)

    assert_problem(patch({"status": "closed"}), 409)  # new cannot become closed
    assert_problem(patch({"assignee": member_id}), 422, "assignee")
    assert_problem(patch({"assignee": 99999}), 422, "assignee")
    assert_problem(patch({"category": "nope"}), 422, "category")
    assert_problem(patch({"status": None}), 422, "status")
    assert_problem(patch({"status": "archived"}), 422, "status")
    with app.app_context():
        ticket = db.session.scalar(select(Ticket))
        assert (ticket.status, ticket.priority, ticket.assignee) == (
            Status.NEW,
            Priority.HIGH,
            None,
        )


@pytest.mark.p3
def test_a_reply_reaches_the_reporter_through_the_outbox(app, client, agent_headers):
    with app.app_context():
        reference = make_ticket().reference
        db.session.commit()
    response = client.post(
        f"/api/v1/tickets/{reference}/replies",
        json={"body": "Thank you, we are looking into it."},
        headers=agent_headers,
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.get_json()["messages"][-1]["kind"] == "reply"
    with app.app_context():
        kinds = set(db.session.scalars(select(OutboundMail.kind)))
        assert kinds == {MailKind.REPORT_RECEIVED, MailKind.AGENT_REPLY}
        reply = db.session.scalar(select(Message).where(Message.kind == MessageKind.REPLY))
        assert reply.origin is Source.API and reply.author.display_name.startswith("API: ")


def test_a_reply_with_a_stale_version_is_refused(app, client, agent_headers):
    with app.app_context():
        reference = make_ticket().reference
        db.session.commit()
    response = client.post(
        f"/api/v1/tickets/{reference}/replies",
        json={"body": "Thank you."},
        headers=agent_headers | {"If-Match": '"999"'},
    )
    assert_problem(response, 412)
    assert count(app, Message, Message.kind == MessageKind.REPLY) == 0


@pytest.mark.p4
def test_a_reply_the_privacy_guard_refuses_answers_422_and_is_kept_as_blocked(
    app, client, agent_headers
):
    with app.app_context():
        reference = make_ticket(reported="jane_doe").reference
        db.session.commit()
    response = client.post(
        f"/api/v1/tickets/{reference}/replies",
        json={"body": "We suspended jane_doe's account."},
        headers=agent_headers,
    )
    body = assert_problem(response, 422)
    assert "reported member" in body["detail"]
    assert count(app, Message, Message.kind == MessageKind.REPLY) == 0
    with app.app_context():
        blocked = db.session.scalar(
            select(OutboundMail).where(OutboundMail.status == MailStatus.BLOCKED)
        )
        assert blocked.kind is MailKind.AGENT_REPLY and "reported member" in blocked.reason


@pytest.mark.p1
@pytest.mark.p2
@pytest.mark.p3
def test_notes_are_internal(app, client, agent_headers, make_token):
    with app.app_context():
        ticket = make_ticket()
        ticket.reporter.marketplace_id = "mkt-3003"
        reference = ticket.reference
        db.session.commit()
    response = client.post(
        f"/api/v1/tickets/{reference}/notes",
        json={"body": "Checked the payment logs."},
        headers=agent_headers,
    )
    assert response.status_code == 201
    assert response.get_json()["messages"][-1]["kind"] == "note"
    assert_problem(
        client.post(
            f"/api/v1/tickets/{reference}/notes", json={"body": " "}, headers=agent_headers
        ),
        422,
        "body",
    )
    report = client.get(
        f"/api/v1/reports/{reference}?member=mkt-3003", headers=bearer(make_token("reports:read"))
    )
    assert "payment logs" not in report.get_data(as_text=True)
    assert count(app, OutboundMail) == 1  # the acknowledgment only: a note is never mailed


# --- rate limit and document ------------------------------------------------------------------


def test_requests_past_the_rate_limit_get_429_with_retry_after(app, client, make_token):
    app.config["HELPDESK_API_RATE_LIMIT"] = "2 per hour"
    first, second = bearer(make_token("reports:read")), bearer(make_token("reports:read"))
    assert [client.get("/api/v1/categories", headers=first).status_code for _ in range(2)] == [
        200,
        200,
    ]
    limited = client.get("/api/v1/categories", headers=first)
    assert_problem(limited, 429)
    assert int(limited.headers["Retry-After"]) > 0
    assert client.get("/api/v1/categories", headers=second).status_code == 200  # per token


def _redis_reachable() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
        return True
    except OSError:
        return False


@pytest.mark.skipif(not _redis_reachable(), reason="no Redis server on 127.0.0.1:6379")
def test_the_rate_limit_is_shared_through_redis(app, database_url, tmp_path, make_token):
    secret = make_token("reports:read")
    settings = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": "test-secret-key",
        "INSTANCE_PATH": str(tmp_path),
        "HELPDESK_RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0",
        "RATELIMIT_KEY_PREFIX": f"helpdesk-test-{uuid.uuid4().hex}",
        "HELPDESK_API_RATE_LIMIT": "1 per minute",
    }
    # Two apps stand for two web workers: the second sees what the first spent.
    one, two = create_app(settings), create_app(settings)
    assert one.test_client().get("/api/v1/categories", headers=bearer(secret)).status_code == 200
    limited = two.test_client().get("/api/v1/categories", headers=bearer(secret))
    assert_problem(limited, 429)
    for worker in (one, two):
        with worker.app_context():
            db.engine.dispose()


def test_the_openapi_document_describes_every_endpoint(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    assert document["openapi"] == "3.1.0"
    operations = {
        (method.upper(), path) for path, item in document["paths"].items() for method in item
    }
    assert operations == {
        ("POST", "/v1/reports"),
        ("GET", "/v1/reports/{reference}"),
        ("GET", "/v1/reports/summary"),
        ("GET", "/v1/categories"),
        ("GET", "/v1/tickets"),
        ("GET", "/v1/tickets/{reference}"),
        ("PATCH", "/v1/tickets/{reference}"),
        ("POST", "/v1/tickets/{reference}/replies"),
        ("POST", "/v1/tickets/{reference}/notes"),
    }
    report_in = document["components"]["schemas"]["ReportIn"]
    assert {"subject", "description", "marketplace_member_id"} <= set(report_in["required"])
    json.dumps(document)  # plain JSON throughout
    for path, item in document["paths"].items():
        for method, operation in item.items():
            assert operation["security"] == [{"token": []}], (method, path)  # categories too
            assert {"401", "403", "429"} <= set(operation["responses"]), (method, path)
            for status, answer in operation["responses"].items():
                if status >= "400":
                    assert list(answer["content"]) == ["application/problem+json"]


@pytest.mark.parametrize(
    ("field", "bounds"),
    [
        ("subject", tickets.SUBJECT_LENGTH),
        ("description", tickets.BODY_LENGTH),
        ("member_name", (1, accounts.MAX_DISPLAY_NAME_LENGTH)),
        ("marketplace_member_id", (1, accounts.MARKETPLACE_ID_LENGTH)),
    ],
)
def test_the_document_takes_a_reports_bounds_from_the_domain(client, make_token, field, bounds):
    """What the pattern and maxLength allow is what the server takes: spaces around a text
    do not count, one character fewer than the least is refused."""
    properties = client.get("/api/openapi.json").get_json()["components"]["schemas"]["ReportIn"]
    schema = properties["properties"][field]
    low, high = bounds
    assert schema["maxLength"] == high
    shortest, too_short = " " + "x" * low + " \n", " " + "x" * (low - 1) + " "
    assert re.search(schema["pattern"], shortest) and not re.search(schema["pattern"], too_short)
    headers = bearer(make_token("reports:create"))

    def report(value: str):
        return client.post("/api/v1/reports", json=REPORT | {field: value}, headers=headers)

    assert report(shortest).status_code == 201
    assert_problem(report(too_short), 422, field)


def test_the_document_asks_each_categorys_questions(app, client, make_token):
    question = {"key": "contract-id", "label": "Contract", "kind": "short_text"}
    with app.app_context():
        category = active_category_by_slug("off-platform-payment")
        category.questions = [question | {"required": True, "help": "", "options": []}]
        db.session.commit()
    report_in = client.get("/api/openapi.json").get_json()["components"]["schemas"]["ReportIn"]
    (variant,) = [
        one["properties"]["answers"]
        for one in report_in["oneOf"]
        if one["properties"]["category"]["const"] == "off-platform-payment"
    ]
    assert variant["required"] == ["contract-id"] and not variant["additionalProperties"]
    headers = bearer(make_token("reports:create"))
    pattern = variant["properties"]["contract-id"]["pattern"]
    for answer, status in ((" C-1 ", 201), ("  ", 422)):
        report = REPORT | {"answers": {"contract-id": answer}}
        assert client.post("/api/v1/reports", json=report, headers=headers).status_code == status
        assert bool(re.search(pattern, answer)) == (status == 201)


def test_the_longest_request_line_the_document_allows_fits_gunicorns_limit(client):
    """gunicorn refuses a request line over 4,094 bytes (414, which no operation documents):
    every query at its longest, of 4-byte characters where a pattern allows them, fits."""
    document = client.get("/api/openapi.json").get_json()
    for path, item in document["paths"].items():
        for method, operation in item.items():
            query = {
                parameter["name"]: _longest(parameter["schema"])
                for parameter in operation["parameters"]
                if parameter["in"] == "query"
            }
            path = path.replace("{reference}", "HD-7K3QX9MB")
            line = f"{method.upper()} /api{path}?{urlencode(query)} HTTP/1.1"
            assert len(line.encode()) <= 4094, (method, path, len(line))


def _longest(schema: dict) -> str:
    if "enum" in schema:
        return max(map(str, schema["enum"]), key=len)
    if schema.get("type") == "integer":
        return str(schema["maximum"])
    for character in ("\U0001f600", "\u0800", "\u00e9"):
        value = character * schema["maxLength"]
        if re.fullmatch(schema["pattern"], value):
            return value
    # ASCII only (the cursor: digits and dots): none longer than "%" as sent ("%25").
    pattern = schema["pattern"].replace("\\.", "")
    assert not any(wide in pattern for wide in ("[^", "\\u", ".", "\\w", "\\S")), schema
    return "%" * schema["maxLength"]


def test_unknown_api_paths_answer_problem_details(client):
    assert_problem(client.get("/api/v1/nothing-here"), 404)
    response = client.delete("/api/v1/categories")
    assert_problem(response, 405)
    assert "GET" in response.headers["Allow"]


@pytest.mark.parametrize("who", ["deactivated agent", "service user"])
def test_patch_refuses_an_assignee_who_cannot_work_tickets(app, client, agent_headers, who):
    with app.app_context():
        reference = make_ticket().reference
        gone = make_user(role="agent")
        gone.active = False
        token, _secret = api_tokens.create_token(None, "Other bot", ["tickets:write"])
        db.session.commit()
        assignee = {"deactivated agent": gone.id, "service user": token.user.id}[who]
    url = f"/api/v1/tickets/{reference}"
    response = client.patch(
        url,
        json={"priority": "low", "assignee": assignee},
        headers=agent_headers | {"If-Match": _version(client, reference, agent_headers)},
    )
    assert "cannot be assigned tickets" in assert_problem(response, 422, "assignee")["detail"]
    ticket = client.get(url, headers=agent_headers).get_json()
    assert (ticket["assignee"], ticket["priority"]) == (None, "high")  # nothing of it applied
