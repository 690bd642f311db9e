"""A cap on MIME parts and on attachments per message: above it the message is quarantined with
the reason, instead of becoming thousands of attachments (P6: kept, and re-run after a change)."""

import json

import pytest
from sqlalchemy import func, select

from helpdesk.database import db
from helpdesk.intake.mime import OverLimit, parse
from helpdesk.models import Attachment, Ticket

from .conftest import INTAKE_SETTINGS, ingest_file


def _multipart(parts: int, *, files: bool) -> bytes:
    """A mail of `parts` small parts under one multipart/mixed: text, or files."""
    head = [
        "From: Dana Whitfield <dana@x.example>",
        "To: support@helpdesk.example",
        "Subject: Evidence",
        f"Message-ID: <parts-{parts}-{files}@x.example>",
        "MIME-Version: 1.0",
        'Content-Type: multipart/mixed; boundary="b"',
        "",
    ]
    body = []
    for number in range(parts):
        if files:
            header = f'Content-Type: application/octet-stream; name="log-{number}.txt"'
        else:
            header = "Content-Type: text/plain; charset=utf-8"
        body += ["--b", header, "", f"part {number}"]
    return "\n".join([*head, *body, "--b--", ""]).encode()


@pytest.fixture
def app(app):
    app.config.update(INTAKE_SETTINGS)
    app.config["HELPDESK_INTAKE_MAX_MESSAGE_BYTES"] = 10 * 1024 * 1024
    return app


@pytest.mark.p6
@pytest.mark.parametrize(
    ("files", "what", "setting"),
    [
        (True, "attachments", "HELPDESK_INTAKE_MAX_ATTACHMENTS"),
        (False, "MIME parts", "HELPDESK_INTAKE_MAX_PARTS"),
    ],
)
def test_a_five_thousand_part_mail_is_quarantined_with_the_reason(
    app, runner, tmp_path, files, what, setting
):
    line = ingest_file(runner, tmp_path, _multipart(5000, files=files))

    limit = app.config[setting]
    assert line["outcome"] == "quarantined"
    assert line["reason"] == f"the message has more {what} than the {limit:,} intake takes"
    with app.app_context():
        for model in (Ticket, Attachment):
            assert db.session.scalar(select(func.count()).select_from(model)) == 0


@pytest.mark.p6
def test_more_attachments_than_the_cap_are_quarantined_and_re_run_after_raising_it(
    app, runner, tmp_path
):
    app.config["HELPDESK_INTAKE_MAX_ATTACHMENTS"] = 10
    line = ingest_file(runner, tmp_path, _multipart(11, files=True))
    assert line["outcome"] == "quarantined"
    assert line["reason"] == "the message has more attachments than the 10 intake takes"

    app.config["HELPDESK_INTAKE_MAX_ATTACHMENTS"] = 11
    result = runner.invoke(args=["mail", "reprocess", str(line["inbound_id"])])

    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["outcome"] == "created"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Attachment)) == 11


@pytest.mark.parametrize(("parts", "over"), [(9, False), (10, True)])
def test_the_part_cap_counts_the_container_too(parts, over):
    """The multipart itself is a part: nine texts in it make ten."""
    raw = _multipart(parts, files=False)
    if over:
        with pytest.raises(OverLimit):
            parse(raw, max_attachment_bytes=1000, max_parts=10)
    else:
        assert parse(raw, max_attachment_bytes=1000, max_parts=10).text.count("part ") == parts
