"""The inbound log at /admin/inbound, the original of a mail, and the aliases at /admin/mail."""

import pytest
from sqlalchemy import func, select

from helpdesk import signing
from helpdesk.database import db
from helpdesk.models import AuditEvent, InboundMail, MailAlias, Ticket

from ..conftest import csrf_token, submit
from .conftest import ingest_file

REPORT = (
    b"From: Member <member@example.com>\r\n"
    b"To: support@helpdesk.example\r\n"
    b"Subject: Harassment in the workroom\r\n"
    b"Message-ID: <report-1@example.com>\r\n"
    b"\r\n"
    b"He insulted me in the workroom chat yesterday. <script>alert(1)</script>\r\n"
)


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


# ---------- Who may use it ----------


@pytest.mark.parametrize("role", ["member", "agent"])
@pytest.mark.p1
def test_admin_pages_refuse_members_and_agents(app, client, runner, tmp_path, login_as, role):
    line = ingest_file(runner, tmp_path, REPORT)
    login_as(role)
    token = csrf_token(client, "/tickets/new")
    for url in ("/admin/inbound", f"/admin/inbound/{line['inbound_id']}", "/admin/mail"):
        assert client.get(url).status_code == 403
    posts = (
        f"/admin/inbound/{line['inbound_id']}/reprocess",
        "/admin/mail",
        "/admin/mail/1/category",
        "/admin/mail/1/delete",
    )
    for url in posts:
        assert client.post(url, data={"csrf_token": token}).status_code == 403
    assert _count(app, MailAlias) == 0


@pytest.mark.p1
def test_the_original_is_for_agents_only(client, runner, tmp_path, login_as):
    line = ingest_file(runner, tmp_path, REPORT)
    url = f"/agent/mail/{line['inbound_id']}/original.eml"
    assert client.get(url).status_code == 302  # to the log-in page
    login_as("member")
    assert client.get(url).status_code == 403


def test_an_agent_opens_the_original_from_the_ticket(client, runner, tmp_path, login_as):
    line = ingest_file(runner, tmp_path, REPORT)
    login_as("agent")
    page = client.get(f"/agent/tickets/{line['ticket']}").get_data(as_text=True)
    url = f"/agent/mail/{line['inbound_id']}/original.eml"
    assert url in page
    response = client.get(url)
    assert response.status_code == 200
    assert response.mimetype == "message/rfc822"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.data == REPORT


# ---------- The inbound log ----------


def test_the_log_lists_every_mail_with_its_outcome(client, runner, tmp_path, login_as):
    created = ingest_file(runner, tmp_path, REPORT)
    duplicate = ingest_file(runner, tmp_path, REPORT)
    login_as("admin")
    page = client.get("/admin/inbound").get_data(as_text=True)
    assert created["ticket"] in page
    assert "Harassment in the workroom" in page
    assert "badge-duplicate" in page and "badge-created" in page
    only_duplicates = client.get("/admin/inbound?outcome=duplicate").get_data(as_text=True)
    assert f'href="/admin/inbound/{duplicate["inbound_id"]}"' in only_duplicates
    assert f'href="/admin/inbound/{created["inbound_id"]}"' not in only_duplicates
    assert client.get("/admin/inbound?outcome=nonsense").status_code == 400


def test_the_raw_source_is_shown_as_text(client, runner, tmp_path, login_as):
    line = ingest_file(runner, tmp_path, REPORT)
    login_as("admin")
    page = client.get(f"/admin/inbound/{line['inbound_id']}").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)" not in page
    assert "Process again" not in page  # it made a ticket: running it again would double it


@pytest.mark.p6
def test_a_quarantined_mail_is_processed_again_after_the_fix(
    app, client, runner, tmp_path, login_as
):
    app.config["HELPDESK_INTAKE_MAX_MESSAGE_BYTES"] = 100
    line = ingest_file(runner, tmp_path, REPORT)
    assert line["outcome"] == "quarantined"
    assert "limit" in line["reason"]
    app.config["HELPDESK_INTAKE_MAX_MESSAGE_BYTES"] = 10_000
    login_as("admin")
    url = f"/admin/inbound/{line['inbound_id']}"
    assert "Process again" in client.get(url).get_data(as_text=True)
    response = submit(client, f"{url}/reprocess", {}, page=url, follow_redirects=True)
    assert "Processed again: created" in response.get_data(as_text=True)
    assert _count(app, Ticket) == 1
    again = submit(client, f"{url}/reprocess", {}, page=url, follow_redirects=True)
    assert "running it again would double it" in again.get_data(as_text=True)
    assert _count(app, Ticket) == 1


# ---------- Mail addresses ----------


def _add_alias(client, address: str, category: str):
    return submit(client, "/admin/mail", {"alias-address": address, "alias-category": category})


def _category_id(app, slug: str) -> str:
    from helpdesk.models import Category

    with app.app_context():
        return str(db.session.scalar(select(Category.id).where(Category.slug == slug)))


def test_an_alias_files_new_mail_under_its_category(app, client, runner, tmp_path, login_as):
    login_as("admin")
    response = _add_alias(client, " Abuse@Helpdesk.Example ", _category_id(app, "harassment"))
    assert response.status_code == 303
    assert "abuse@helpdesk.example" in client.get("/admin/mail").get_data(as_text=True)
    line = ingest_file(runner, tmp_path, REPORT.replace(b"To: support@", b"To: abuse@"))
    assert line["reason"] == "category harassment from abuse@helpdesk.example"
    with app.app_context():
        ticket = db.session.scalar(select(Ticket).where(Ticket.reference == line["ticket"]))
        assert ticket.category.slug == "harassment"
        assert (
            db.session.scalar(select(func.count()).where(AuditEvent.action == "mail_alias.created"))
            == 1
        )


@pytest.mark.parametrize(
    ("address", "category", "message"),
    [
        ("not an address", "harassment", "must have an @-sign"),
        ("support+x@helpdesk.example", "harassment", "a + is kept for ticket reply addresses"),
        ("abuse@helpdesk.example", "", "Choose the category"),
    ],
)
def test_alias_mistakes_are_shown_beside_the_field(
    app, client, login_as, address, category, message
):
    login_as("admin")
    category_id = _category_id(app, category) if category else ""
    response = _add_alias(client, address, category_id)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert 'class="field-errors"' in response.get_data(as_text=True)
    assert _count(app, MailAlias) == 0


def test_an_address_is_an_alias_once(app, client, login_as):
    login_as("admin")
    _add_alias(client, "abuse@helpdesk.example", _category_id(app, "harassment"))
    response = _add_alias(client, "ABUSE@helpdesk.example", _category_id(app, "fraud"))
    assert response.status_code == 400
    assert "is an alias already" in response.get_data(as_text=True)
    assert _count(app, MailAlias) == 1


def test_an_alias_changes_category_and_goes(app, client, login_as):
    login_as("admin")
    _add_alias(client, "abuse@helpdesk.example", _category_id(app, "harassment"))
    with app.app_context():
        alias_id = db.session.scalar(select(MailAlias.id))
    submit(
        client,
        f"/admin/mail/{alias_id}/category",
        {"category": _category_id(app, "fraud")},
        page="/admin/mail",
    )
    with app.app_context():
        assert db.session.get(MailAlias, alias_id).category.slug == "fraud"
    submit(client, f"/admin/mail/{alias_id}/delete", {}, page="/admin/mail")
    assert _count(app, MailAlias) == 0
    with app.app_context():
        actions = db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.action.like("mail_alias.%"))
        ).all()
    assert sorted(actions) == ["mail_alias.created", "mail_alias.deleted", "mail_alias.updated"]


def test_the_tester_says_which_category_an_address_gets(app, client, login_as):
    login_as("admin")
    _add_alias(client, "abuse@helpdesk.example", _category_id(app, "harassment"))

    def tested(address: str) -> str:
        page = client.get("/admin/mail", query_string={"test-address": address})
        return page.get_data(as_text=True).split("Test an address", 1)[1]

    assert "Harassment" in tested("abuse@helpdesk.example")
    assert "Category harassment from abuse@helpdesk.example" in tested("Abuse@helpdesk.example")
    assert "Default category" in tested("support@helpdesk.example")
    assert "Not one of our addresses" in tested("someone@elsewhere.example")
    reply = signing.reply_address(
        "support@helpdesk.example", "helpdesk.example", "HD-7K3QX9MB", "test-secret-key"
    )
    assert "The reply address of HD-7K3QX9MB" in tested(reply)
    assert "Enter a full address" in tested("nonsense")


def test_inbound_rows_keep_the_envelope(app):
    from helpdesk import intake

    with app.app_context():
        result = intake.receive(
            REPORT, intake.Channel.LMTP, recipients=["Support@Helpdesk.Example"], source="test"
        )
        stored = db.session.get(InboundMail, result.inbound_id)
        assert stored.recipients == ["support@helpdesk.example"]
        assert stored.channel == "lmtp" and stored.source == "test"


@pytest.mark.p6
def test_a_quarantined_mail_still_shows_who_sent_what(
    client, runner, tmp_path, login_as, monkeypatch
):
    from helpdesk.intake import routing

    def broken(*args):
        raise RuntimeError("a bug in routing")

    monkeypatch.setattr(routing, "_sender_account", broken)
    line = ingest_file(runner, tmp_path, REPORT)
    assert line["outcome"] == "quarantined" and "RuntimeError" in line["reason"]
    login_as("admin")
    page = client.get("/admin/inbound?outcome=quarantined").get_data(as_text=True)
    assert "member@example.com" in page and "Harassment in the workroom" in page


def test_an_inbound_log_page_costs_the_same_queries_whatever_its_length(
    client, runner, tmp_path, login_as, count_queries
):
    def ingest_reports(first: int, count: int) -> None:
        for number in range(first, first + count):
            raw = REPORT.replace(b"report-1@", f"report-{number}@".encode())
            ingest_file(runner, tmp_path, raw)

    login_as("admin")
    ingest_reports(1, 2)
    few = count_queries(lambda: client.get("/admin/inbound"))
    ingest_reports(3, 8)
    many = count_queries(lambda: client.get("/admin/inbound"))
    assert few == many


@pytest.mark.parametrize("role", ["member", "agent"])
def test_only_an_admin_or_the_system_runs_a_message_through_intake_again(
    app, runner, tmp_path, role
):
    from helpdesk import intake
    from helpdesk.errors import NotAllowed

    from ..factories import make_user

    looped = REPORT.replace(b"member@example.com", b"support@helpdesk.example")
    line = ingest_file(runner, tmp_path, looped)
    assert line["outcome"] == "ignored"
    with app.app_context():
        with pytest.raises(NotAllowed):
            intake.reprocess(make_user(role), line["inbound_id"])
        admin = make_user("admin")
        assert intake.reprocess(admin, line["inbound_id"]).inbound_id == line["inbound_id"]
        assert intake.reprocess(None, line["inbound_id"]).inbound_id == line["inbound_id"]
