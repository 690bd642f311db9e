"""Finding anyone from the inbox's search box and the API's q: the reported member in any
spelling the privacy guard reads as the same name, the reporter by email or name, a reference
however it is typed, and words as before."""

import re

import pytest

from helpdesk import api_tokens
from helpdesk.database import db

from .conftest import log_in
from .factories import make_ticket, make_user
from .test_api import bearer


@pytest.fixture
def reports(app, client):
    """An agent logged in; three reports by two reporters about two members."""
    with app.app_context():
        agent = make_user("agent")
        priya = make_user(email="priya.shah@mail.example", display_name="Priya Shah")
        tomas = make_user(email="tomas@mail.example", display_name="Tomás Díaz")
        smith = make_ticket(priya, reported="J.Smith", subject="Asked to pay outside")
        smith_again = make_ticket(tomas, reported="https://market.example/freelancers/~jsmith")
        other = make_ticket(tomas, reported="jane_doe", subject="Rude messages in the chat")
        db.session.commit()
        refs = {"smith": smith.reference, "again": smith_again.reference, "other": other.reference}
        email = agent.email
    log_in(client, email)
    return refs


def _found(client, query: str) -> set[str]:
    page = client.get("/agent/", query_string={"view": "all", "q": query}).text
    return set(re.findall(r'name="ticket" value="(HD-[0-9A-Z]{8})"', page))


@pytest.mark.parametrize(
    "query",
    ["J.Smith", "jsmith", "JSMITH", "j_smith", "@j-smith", "ＪＳｍｉｔｈ", "jѕmith", "j smith"],
)
def test_the_reported_member_is_found_in_any_spelling_the_guard_reads_as_theirs(
    client, reports, query
):
    """Case, separators, full-width letters and a Cyrillic look-alike "ѕ" are one name;
    a username typed in a report and one in a profile link are the same member."""
    assert _found(client, query) == {reports["smith"], reports["again"]}


def test_a_different_name_is_not_the_reported_member(client, reports):
    assert _found(client, "jsmith2") == set()
    assert _found(client, "smith") == set()  # a part of a name is not the name


@pytest.mark.parametrize(
    "query",
    ["priya.shah@mail.example", "PRIYA.SHAH@mail.example", "Priya Shah", "priya", "PRIYA_SHAH"],
)
def test_the_reporter_is_found_by_email_address_or_name(client, reports, query):
    assert _found(client, query) == {reports["smith"]}


def test_a_reporters_name_is_found_without_its_accents(client, reports):
    assert _found(client, "tomas diaz") == {reports["again"], reports["other"]}
    assert _found(client, "Tomás") == {reports["again"], reports["other"]}


def test_a_reference_is_found_in_full_in_lower_case_and_without_its_prefix(client, reports):
    reference = reports["other"]
    for typed in (reference, reference.lower(), reference[3:], reference[3:].lower()):
        assert _found(client, typed) == {reference}, typed


def test_words_are_still_searched_alongside(client, reports):
    assert _found(client, "rude chat") == {reports["other"]}
    assert _found(client, "outside") == {reports["smith"]}


def test_a_search_stays_within_the_view(app, client, reports):
    page = client.get("/agent/", query_string={"view": "closed", "q": "jsmith"}).text
    assert "HD-" not in "".join(re.findall(r'name="ticket" value="[^"]*"', page))


def test_the_api_searches_the_same_way(app, client, reports):
    with app.app_context():
        _, secret = api_tokens.create_token(None, "Triage bot", ["tickets:read"])
        db.session.commit()
    headers = bearer(secret)
    for query, expected in (("JSMITH", {"smith", "again"}), ("priya", {"smith"})):
        response = client.get("/api/v1/tickets", query_string={"q": query}, headers=headers)
        assert response.status_code == 200, response.text
        found = {ticket["reference"] for ticket in response.get_json()["tickets"]}
        assert found == {reports[name] for name in expected}, query


def test_search_costs_the_same_few_queries_whatever_matches(app, client, reports, count_queries):
    """One page of results in a fixed number of statements: no query per user or ticket."""
    few = count_queries(lambda: client.get("/agent/?view=all&q=jane_doe"))
    many = count_queries(lambda: client.get("/agent/?view=all&q=tomas"))
    assert few == many
