"""Pages around the agent's desk, through HTTP: the reporter's own report page shows what they
sent and nothing internal, and public pages describe themselves to search engines."""

import re

import pytest

from helpdesk import tickets
from helpdesk.database import db

from .conftest import log_in
from .factories import make_ticket, make_user


@pytest.mark.p1
@pytest.mark.p2
def test_the_reporter_sees_what_they_sent_and_nothing_internal(app, client):
    with app.app_context():
        member = make_user(display_name="Bo Reporter")
        ticket = make_ticket(
            member,
            reported="https://market.example/freelancers/~quickpay_dev",
            context_url="https://market.example/workrooms/4242",
        )
        tickets.add_note(make_user("agent"), ticket, "Second report about him; check payouts.")
        db.session.commit()
        email, reference = member.email, ticket.reference
    log_in(client, email)
    page = client.get(f"/tickets/{reference}").get_data(as_text=True)
    facts = page.split('<dl class="facts">', 1)[1].split("</dl>", 1)[0]
    assert "Member you reported" in facts
    assert "https://market.example/freelancers/~quickpay_dev" in facts
    assert "Where it happened" in facts and "https://market.example/workrooms/4242" in facts
    assert "check payouts" not in page


@pytest.mark.parametrize("path", ["/", "/login", "/register", "/help/"])
def test_public_pages_describe_themselves(client, path):
    page = client.get(path).get_data(as_text=True)
    description = re.search(r'<meta name="description" content="([^"]+)">', page)
    assert description and len(description.group(1)) > 40
