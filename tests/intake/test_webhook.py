"""POST /intake/email: raw MIME signed with the shared secret, through the test client."""

import time

import pytest
from sqlalchemy import func, select

from helpdesk import intake
from helpdesk.database import db
from helpdesk.models import InboundMail, Source, Ticket
from helpdesk.signing import sign_webhook, verify_webhook

SECRET = "webhook-test-secret"
MAX_AGE = 300
REPORT = (
    b"From: Member <member@example.com>\r\nTo: support@helpdesk.example\r\n"
    b"Subject: Harassment by user x\r\nMessage-ID: <1@example.com>\r\n\r\n"
    b"He insulted me in the workroom chat yesterday.\r\n"
)


@pytest.fixture(autouse=True)
def _webhook_on(app):
    app.config["HELPDESK_INTAKE_WEBHOOK_SECRET"] = SECRET


def post(client, body: bytes = REPORT, *, timestamp: int | None = None, **headers):
    """POST the body signed with the secret now (or at `timestamp`); `headers` replace those."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    signed = {
        "X-Helpdesk-Timestamp": str(timestamp),
        "X-Helpdesk-Signature": sign_webhook(SECRET, timestamp, body),
        "Content-Type": "message/rfc822",
    }
    sent = {name: value for name, value in (signed | headers).items() if value is not None}
    return client.post("/intake/email", data=body, headers=sent)


def inbound_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(InboundMail))


def test_a_signed_report_creates_a_ticket(app, client):
    response = post(client)

    assert response.status_code == 200, response.get_data(as_text=True)
    result = response.get_json()
    assert result["outcome"] == "created" and result["source"] == "webhook"
    assert result["message_id"] == "<1@example.com>"
    with app.app_context():
        ticket = db.session.scalar(select(Ticket).filter_by(reference=result["ticket"]))
        assert ticket.subject == "Harassment by user x" and ticket.source is Source.EMAIL
        assert ticket.reporter.email == "member@example.com"
        inbound = db.session.get(InboundMail, result["inbound_id"])
        assert inbound.channel == "webhook" and inbound.raw == REPORT


def test_octet_stream_is_taken_too(client):
    response = post(client, **{"Content-Type": "application/octet-stream"})
    assert response.status_code == 200 and response.get_json()["outcome"] == "created"


@pytest.mark.p6
def test_the_same_message_posted_twice_makes_one_ticket(app, client):
    first, second = post(client).get_json(), post(client).get_json()

    assert (first["outcome"], second["outcome"]) == ("created", "duplicate")
    assert second["ticket"] == first["ticket"]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Ticket)) == 1


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({"X-Helpdesk-Signature": "sha256=" + "0" * 64}, "does not match"),
        ({"X-Helpdesk-Signature": "deadbeef"}, "not of the form"),
        ({"X-Helpdesk-Signature": None}, "needs both"),
        ({"X-Helpdesk-Timestamp": None}, "needs both"),
        ({"X-Helpdesk-Timestamp": "yesterday"}, "whole number"),
    ],
)
def test_a_missing_or_wrong_signature_is_refused_and_nothing_is_stored(
    app, client, headers, reason
):
    response = post(client, **headers)

    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert reason in response.get_json()["detail"]
    assert "WWW-Authenticate" in response.headers
    assert inbound_count(app) == 0


@pytest.mark.parametrize(("offset", "reason"), [(-MAX_AGE - 5, "old"), (MAX_AGE + 5, "future")])
def test_a_stale_or_future_timestamp_is_refused(app, client, offset, reason):
    response = post(client, timestamp=int(time.time()) + offset)

    assert response.status_code == 401
    assert f"more than {MAX_AGE} seconds" in response.get_json()["detail"]
    assert reason in response.get_json()["detail"]
    assert inbound_count(app) == 0


@pytest.mark.parametrize(("secret", "shift"), [("another secret", 0), (SECRET, -1)])
def test_a_signature_with_another_secret_or_timestamp_is_refused(app, client, secret, shift):
    now = int(time.time())
    signature = sign_webhook(secret, now + shift, REPORT)
    response = post(client, timestamp=now, **{"X-Helpdesk-Signature": signature})

    assert response.status_code == 401
    assert "does not match" in response.get_json()["detail"]
    assert inbound_count(app) == 0


def test_without_a_secret_the_webhook_is_off(app, client):
    app.config["HELPDESK_INTAKE_WEBHOOK_SECRET"] = ""
    assert post(client).status_code == 404
    assert inbound_count(app) == 0


def test_a_message_over_the_limit_is_refused_with_413(app, client):
    app.config["HELPDESK_INTAKE_MAX_MESSAGE_BYTES"] = len(REPORT) - 1
    response = post(client)
    assert response.status_code == 413 and response.mimetype == "application/problem+json"
    assert inbound_count(app) == 0


def test_an_empty_body_is_refused_with_400(app, client):
    response = post(client, b"")
    assert response.status_code == 400 and response.mimetype == "application/problem+json"
    assert inbound_count(app) == 0


def test_another_content_type_is_refused_with_415(app, client):
    response = post(client, **{"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 415 and inbound_count(app) == 0


@pytest.mark.p6
def test_a_message_that_cannot_be_stored_gets_503_and_retry_after(client, monkeypatch):
    def store_fails(*args, **kwargs):
        raise intake.StoreFailed("could not store the message (OperationalError)")

    monkeypatch.setattr(intake, "receive", store_fails)
    response = post(client)
    assert response.status_code == 503 and response.headers["Retry-After"].isdigit()
    assert response.mimetype == "application/problem+json"


def test_the_signature_is_the_one_the_documented_openssl_recipe_makes():
    # printf '1700000000.hello' | openssl dgst -sha256 -hmac s3cret -r
    expected = "sha256=babfa8b593140ee3160bea38210f8fea6712e1f6e073328eb52c4e965bc0ab8d"
    assert sign_webhook("s3cret", 1700000000, b"hello") == expected
    assert verify_webhook("s3cret", "1700000000", expected, b"hello", 1700000000, 300) is None
    assert (
        verify_webhook("s3cret", "1700000000", expected.upper(), b"hello", 1700000001, 300) is None
    )
