"""The member under investigation at /agent/members/<key>: every report about one reported
member, who sent them, the decisions, the evidence and their account here. Agents and admins
only: anyone else, the reported member included, gets 404 (P1)."""

import io
import re

import pytest
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from helpdesk import accounts, decisions, reported, tickets
from helpdesk.categories import active_category_by_slug
from helpdesk.database import db
from helpdesk.models import DecisionAction

from .conftest import log_in
from .factories import make_ticket, make_user

PNG = b"\x89PNG\r\n\x1a\n" + bytes(64)
PDF = b"%PDF-1.4\n" + bytes(64)


def _upload(content: bytes, name: str) -> FileStorage:
    return FileStorage(io.BytesIO(content), filename=name)


@pytest.fixture
def jane(app):
    """Three reports about jane_doe by two reporters (a username, another spelling and a
    profile link), one about someone else, two decisions and jane's own account here."""
    with app.app_context():
        amara = make_user(display_name="Amara Okafor", email="amara@members.example")
        lukas = make_user(display_name="Lukas Weber", email="lukas@members.example")
        agent = make_user("agent", display_name="Priya Raman")
        first = make_ticket(
            amara,
            reported="jane_doe",
            subject="Insults in the workroom",
            uploads=[_upload(PNG, "chat.png"), _upload(PDF, "contract.pdf")],
        )
        second = make_ticket(lukas, category="fraud", reported="@Jane_Doe", subject="Fake invoice")
        third = make_ticket(
            amara,
            category="fraud",
            reported="https://market.example/freelancers/~jane_doe",
            subject="Asked for a gift card",
        )
        make_ticket(lukas, reported="someone_else", subject="Not about jane at all")
        tickets.claim(agent, second)
        by_slug = {a.slug: a for a in db.session.scalars(select(DecisionAction))}
        decisions.record(
            agent, first, policy=None, action=by_slug["none"], reason="Heated but within rules."
        )
        decisions.record(
            agent,
            third,
            policy=active_category_by_slug("fraud"),
            action=by_slug["suspended"],
            reason="Second scam attempt in a month.",
        )
        # Jane registered here, then the marketplace reported for her: her id is linked.
        make_user(display_name="Jane Doe", email="jane@members.example")
        account = accounts.marketplace_member("jane_doe", "jane@members.example", "Jane Doe")
        db.session.commit()
        return {
            "references": [first.reference, second.reference, third.reference],
            "jane": account.email,
        }


def _agent(app, client, role="agent") -> None:
    with app.app_context():
        email = make_user(role).email
        db.session.commit()
    log_in(client, email)


def test_the_ticket_page_links_the_reported_members_page(app, client, jane):
    _agent(app, client)
    page = client.get(f"/agent/tickets/{jane['references'][1]}").get_data(as_text=True)
    assert 'href="/agent/members/jane_doe"' in page


def test_every_report_about_the_member_with_its_reporter(app, client, jane):
    _agent(app, client)
    response = client.get("/agent/members/jane_doe")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for reference in jane["references"]:
        assert f'href="/agent/tickets/{reference}"' in page
    assert "Not about jane at all" not in page
    assert "Amara Okafor" in page and "amara@members.example" in page
    assert "Lukas Weber" in page and "lukas@members.example" in page
    # Newest first: the profile-link report came last.
    assert page.index("Asked for a gift card") < page.index("Insults in the workroom")
    assert "https://market.example/freelancers/~jane_doe" in page and "@Jane_Doe" not in page


def test_counts_by_category_and_status_and_distinct_reporters(app, client, jane):
    _agent(app, client)
    page = client.get("/agent/members/jane_doe").get_data(as_text=True)
    assert re.search(r'data-count="reports">\s*3<', page)
    assert re.search(r'data-count="reporters">\s*2<', page)
    by_category = _section(page, "by-category-heading")
    assert _rows(by_category) == [("Fraud or scam", "2"), ("Harassment or abusive language", "1")]
    assert _rows(_section(page, "by-status-heading")) == [("New", "2"), ("Open", "1")]


def test_decisions_newest_first_with_the_current_one_on_top(app, client, jane):
    _agent(app, client)
    page = client.get("/agent/members/jane_doe").get_data(as_text=True)
    listed = _section(page, "decisions-heading")
    assert listed.index("Second scam attempt") < listed.index("Heated but within rules.")
    assert "Suspended" in listed and "No violation" in listed
    facts = page[: page.index('id="reports-heading"')]
    assert "Suspended · Fraud or scam" in facts


def test_evidence_through_the_download_route_images_blurred_pdfs_links_only(app, client, jane):
    _agent(app, client)
    page = client.get("/agent/members/jane_doe").get_data(as_text=True)
    gallery = _section(page, "evidence-heading")
    first = jane["references"][0]
    assert f"/tickets/{first}/attachments/" in gallery
    assert "evidence-blurred" in gallery and "chat.png" in gallery
    pdf_links = re.findall(r"<(?:img|embed|object|iframe)[^>]*contract", gallery)
    assert pdf_links == []  # a PDF is a link, never embedded
    image = re.search(r'<img src="([^"]+)"', gallery).group(1)
    assert client.get(image).status_code == 200


def test_the_linked_account_when_a_member_here_has_the_marketplace_id(app, client, jane):
    _agent(app, client, role="admin")
    account = _section(
        client.get("/agent/members/jane_doe").get_data(as_text=True), "account-heading"
    )
    assert "Jane Doe" in account and "jane@members.example" in account


def test_the_members_accounts_are_found_through_an_index(app, jane, statements_run):
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("PostgreSQL's planner scans a table this small whatever its indexes")
        found = []
        ran = statements_run(lambda: found.extend(reported.accounts_named("jane_doe")))
        assert [user.email for user in found] == [jane["jane"]]
        statement, parameters = next(s for s in ran if "FROM users" in s[0])
        explain = db.session.connection().exec_driver_sql
        plan = explain("EXPLAIN QUERY PLAN " + statement, parameters)
        assert "USING INDEX ix_users_marketplace_id_lower" in " ".join(row[3] for row in plan)


def test_another_spelling_of_the_key_finds_the_same_member(app, client, jane):
    _agent(app, client)
    response = client.get("/agent/members/Jane_Doe")
    assert response.status_code == 200
    assert re.search(r'data-count="reports">\s*3<', response.get_data(as_text=True))


def test_an_unknown_member_is_a_clear_404(app, client, jane):
    _agent(app, client)
    response = client.get("/agent/members/nobody_here")
    assert response.status_code == 404
    assert "No report names this member" in response.get_data(as_text=True)


@pytest.mark.p1
@pytest.mark.parametrize("who", ["reporter", "reported member", "other member"])
def test_members_get_404_even_the_reported_member(app, client, jane, who):
    with app.app_context():
        emails = {
            "reporter": "amara@members.example",
            "reported member": jane["jane"],
            "other member": make_user().email,
        }
        db.session.commit()
    log_in(client, emails[who])
    for key in ("jane_doe", "nobody_here"):
        response = client.get(f"/agent/members/{key}")
        assert response.status_code == 404
        page = response.get_data(as_text=True)
        assert "Lukas" not in page and "Second scam attempt" not in page
        assert "No report names" not in page  # not even whether a member was reported


@pytest.mark.p1
def test_a_visitor_is_sent_to_log_in(client, jane):
    response = client.get("/agent/members/jane_doe")
    assert response.status_code == 302 and "/login" in response.location


def _section(page: str, heading_id: str) -> str:
    start = page.index(f'id="{heading_id}"')
    end = page.find("</section>", start)
    return page[start:end]


def _rows(html: str) -> list[tuple[str, str]]:
    return re.findall(r'<th scope="row">([^<]+)</th><td class="number">(\d+)</td>', html)
