"""Whatever bytes arrive, intake stores them and reaches an outcome: never a crash, never a
message left half-processed."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from helpdesk import intake
from helpdesk.database import db
from helpdesk.models import InboundMail, InboundOutcome

FINAL = set(InboundOutcome) - {InboundOutcome.RECEIVED}

SEED_MESSAGE = (
    b"From: =?utf-8?q?Ren=C3=A9e?= <renee@example.com>\r\n"
    b"To: support@helpdesk.example, abuse@helpdesk.example\r\n"
    b"Subject: =?iso-8859-1?q?Arnaque_=E0_la_livraison?= HD-7K3QX9MB\r\n"
    b"Message-ID: <fuzz@example.com>\r\n"
    b"In-Reply-To: <hd.0123456789abcdef0123456789abcdef@helpdesk.example>\r\n"
    b"MIME-Version: 1.0\r\n"
    b'Content-Type: multipart/mixed; boundary="b1"\r\n'
    b"\r\n"
    b"--b1\r\n"
    b"Content-Type: text/html; charset=utf-8\r\n"
    b"Content-Transfer-Encoding: quoted-printable\r\n"
    b"\r\n"
    b"<p>He asked me to pay =E2=82=AC200 outside the platform.</p>\r\n"
    b"--b1\r\n"
    b'Content-Type: image/png; name="proof.png"\r\n'
    b"Content-Transfer-Encoding: base64\r\n"
    b"\r\n"
    b"iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==\r\n"
    b"--b1--\r\n"
)


@st.composite
def mutated_messages(draw) -> bytes:
    """The seed message with bytes flipped, cut, repeated or dropped."""
    data = bytearray(SEED_MESSAGE)
    for _ in range(draw(st.integers(1, 6))):
        position = draw(st.integers(0, len(data) - 1))
        action = draw(st.sampled_from(["flip", "cut", "repeat", "drop"]))
        if action == "flip":
            data[position] = draw(st.integers(0, 255))
        elif action == "cut":
            del data[position:]
        elif action == "repeat":
            data[position:position] = data[position : position + draw(st.integers(1, 80))]
        else:
            del data[position : position + draw(st.integers(1, 40))]
        if not data:
            break
    return bytes(data)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(raw=st.one_of(st.binary(max_size=2000), mutated_messages()))
@pytest.mark.p6
def test_any_bytes_are_stored_and_reach_an_outcome(app, raw):
    with app.app_context():
        result = intake.receive(raw, intake.Channel.WEBHOOK, source="fuzz")
        stored = db.session.scalar(select(InboundMail).where(InboundMail.id == result.inbound_id))
        assert stored.raw == raw
        assert result.outcome in FINAL
        assert stored.outcome is result.outcome
        if result.outcome is InboundOutcome.QUARANTINED:
            assert result.reason
        if result.outcome in (InboundOutcome.CREATED, InboundOutcome.APPENDED):
            assert result.ticket is not None
