"""Ticket references as people type them: one parser, used by every page that looks one up."""

import re
import string
from urllib.parse import quote

import pytest

from helpdesk import api_tokens
from helpdesk.database import db
from helpdesk.signing import REFERENCE_IN_TEXT, REFERENCE_PATTERN, new_reference, parse_reference

from .conftest import log_in
from .factories import make_ticket, make_user

REFERENCE = "HD-10ABCDEF"  # a 1 and a 0, to be typed as l/I and o
TYPED = [" hd-10abcdef ", "hd-10abcdef", "HD-10ABCDEF\n", "hd-l0abcdef", "HD-IOABCDEF"]


@pytest.mark.parametrize("typed", TYPED)
def test_any_case_spaces_and_misread_digits_give_the_canonical_reference(typed):
    assert parse_reference(typed) == REFERENCE


@pytest.mark.parametrize(
    "typed",
    [
        "",
        None,
        "HD-10ABCDE",  # too short
        "HD-10ABCDEFG",  # too long
        "HD-10ABCDEU",  # U is not in the alphabet
        "HD-10ABCDE!",
        "HD10ABCDEF",
        "XD-10ABCDEF",
        "HD-10AB CDEF",
        "HD-١٠ABCDEF",  # digits of another script
    ],
)
def test_anything_else_is_no_reference(typed):
    assert parse_reference(typed) is None


def test_new_references_parse_to_themselves():
    for reference in (new_reference() for _ in range(200)):
        assert parse_reference(reference.lower()) == reference


def test_the_schema_pattern_and_the_text_pattern_accept_the_same_letters():
    # Crockford's alphabet has no I, L, O or U; the first three are read as 1, 1 and 0.
    typed_letters = set(string.digits + string.ascii_uppercase) - {"U"}
    allowed = {c for c in map(chr, range(128)) if re.fullmatch(REFERENCE_PATTERN, f"HD-{c * 8}")}
    assert allowed == typed_letters | {c.lower() for c in typed_letters}
    found = REFERENCE_IN_TEXT.search("Re: [hd-10abcdef] still waiting")
    assert found and parse_reference(found.group()) == REFERENCE
    assert REFERENCE_IN_TEXT.search("HD-10ABCDEFG and XHD-10ABCDEF") is None


@pytest.fixture
def ticket(app):
    """A ticket whose reference holds the digits people misread; (reference, reporter's email)."""
    with app.app_context():
        ticket = make_ticket(subject="Unpaid milestone")
        ticket.reference = REFERENCE
        ticket.reporter.marketplace_id = "mkt-4004"
        db.session.commit()
        return ticket.reference, ticket.reporter.email


def _agent(app, client) -> None:
    with app.app_context():
        email = make_user("agent").email
        db.session.commit()
    log_in(client, email)


@pytest.mark.parametrize("typed", TYPED[:1] + TYPED[3:])
def test_the_agent_page_opens_a_typed_reference(app, client, ticket, typed):
    _agent(app, client)
    response = client.get(f"/agent/tickets/{quote(typed)}")
    assert response.status_code == 200
    assert REFERENCE in response.get_data(as_text=True)
    assert client.get("/agent/tickets/HD-10ABCDEU").status_code == 404


@pytest.mark.parametrize("typed", [" hd-10abcdef ", "hd-l0abcdef"])
def test_the_agent_search_finds_a_typed_reference(app, client, ticket, typed):
    _agent(app, client)
    page = client.get("/agent/", query_string={"view": "all", "q": typed}).get_data(as_text=True)
    assert f"/agent/tickets/{REFERENCE}" in page


def test_the_member_page_opens_a_typed_reference(app, client, ticket):
    reference, email = ticket
    log_in(client, email)
    response = client.get(f"/tickets/{quote(' hd-l0abcdef ')}")
    assert response.status_code == 200
    assert "Unpaid milestone" in response.get_data(as_text=True)
    assert client.get("/tickets/hd-10abcde").status_code == 404


def test_the_api_finds_a_typed_reference(app, client, ticket):
    with app.app_context():
        _, secret = api_tokens.create_token(None, "Tool", ["tickets:read", "reports:read"])
        db.session.commit()
    headers = {"Authorization": f"Bearer {secret}"}
    for path in ("/api/v1/tickets/hd-l0abcdef", "/api/v1/reports/hd-10abcdef?member=mkt-4004"):
        response = client.get(path, headers=headers)
        assert response.status_code == 200, path
        assert response.get_json()["reference"] == REFERENCE
    assert client.get("/api/v1/tickets/HD-10ABCDEU", headers=headers).status_code == 404
