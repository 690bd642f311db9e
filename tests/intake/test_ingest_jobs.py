"""`mail ingest --jobs N`: several processes take a folder in, and every message ends as one
process would leave it; a process that dies takes no message's fate with it."""

import json
import os
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path

import pytest
from sqlalchemy import func, select

from helpdesk import intake
from helpdesk.database import db
from helpdesk.models import InboundMail, InboundOutcome, Ticket

from .conftest import INTAKE_SETTINGS
from .corpus import postfix_results

SENDERS = 6
FOLLOW_UPS = 4
CRASH = "please crash the process taking this in"


@pytest.fixture
def app(app):
    app.config.update(INTAKE_SETTINGS)
    return app


def _mail(sender: int, step: int, *, body: str = "", **headers: str) -> bytes:
    domain = f"studio{sender}.example"
    mail = EmailMessage(policy=SMTP)
    mail["From"] = f"Member {sender} <member{sender}@{domain}>"
    mail["To"] = "support@helpdesk.example"
    mail["Subject"] = f"Scam attempt {sender}"
    mail["Message-ID"] = f"<{sender}.{step}@{domain}>"
    for name, value in headers.items():
        mail[name.replace("_", "-")] = value
    mail.set_content(body or f"Step {step} of what happened to member {sender}.")
    results = "".join(f"{header}\r\n" for header in postfix_results(domain))
    return results.encode() + mail.as_bytes()


def _senders_threads(folder: Path) -> dict[str, str]:
    """Each sender's report, their follow-ups to it (verified by our server's DMARC pass) and a
    later copy of the report, interleaved in name order: the name → the outcome it must get."""
    folder.mkdir()
    expected = {}
    for sender in range(SENDERS):
        report = _mail(sender, 0)
        steps = [("report", report, "created")]
        for step in range(1, FOLLOW_UPS + 1):
            reply = _mail(sender, step, In_Reply_To=f"<{sender}.0@studio{sender}.example>")
            steps.append((f"follow-up-{step}", reply, "appended"))
        steps.append(
            ("copy", b"Received: from relay.example; Mon, 4 Nov 2024\r\n" + report, "duplicate")
        )
        for step, (what, raw, outcome) in enumerate(steps):
            name = f"{step:02d}-{sender}-{what}.eml"
            (folder / name).write_bytes(raw)
            expected[name] = outcome
    return expected


def _ingest(runner, folder: Path, jobs: int):
    result = runner.invoke(args=["mail", "ingest", "--jobs", str(jobs), str(folder)])
    lines = {
        Path(line["source"]).name: line for line in map(json.loads, result.stdout.splitlines())
    }
    return result, lines


@pytest.mark.p6
@pytest.mark.p7
def test_each_senders_mail_is_taken_in_order_by_one_process(app, runner, tmp_path):
    expected = _senders_threads(tmp_path / "mail")

    result, lines = _ingest(runner, tmp_path / "mail", jobs=3)

    assert result.exit_code == 0, result.output
    assert {name: line["outcome"] for name, line in lines.items()} == expected
    for sender in range(SENDERS):
        thread = [line for name, line in lines.items() if f"-{sender}-" in name]
        assert len({line["ticket"] for line in thread}) == 1  # one ticket holds it all
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Ticket)) == SENDERS


def test_a_process_that_dies_leaves_no_message_unaccounted_for(app, runner, tmp_path, monkeypatch):
    expected = _senders_threads(tmp_path / "mail")
    crashing = "02-1-follow-up-2.eml"
    (tmp_path / "mail" / crashing).write_bytes(_mail(1, 2, body=CRASH))
    receive = intake.receive

    def receive_or_die(raw: bytes, *args, **kwargs):
        if CRASH.encode() in raw:
            os._exit(3)  # as a process killed mid-message (out of memory, a segfault)
        return receive(raw, *args, **kwargs)

    monkeypatch.setattr(intake, "receive", receive_or_die)  # inherited by the forks

    result, lines = _ingest(runner, tmp_path / "mail", jobs=2)

    assert result.exit_code == 1
    assert "could not be stored" in result.output
    assert set(lines) == set(expected)  # a line for every message, answered or not
    assert lines[crashing]["outcome"] is None
    assert "stopped (exit code 3)" in lines[crashing]["error"]
    unanswered = {name for name, line in lines.items() if line["outcome"] is None}
    answered = set(lines) - unanswered
    assert {name for name in expected if "-1-" in name and name >= crashing} <= unanswered
    assert any("-1-" not in name for name in answered)  # the other process went on
    with app.app_context():
        stored = db.session.scalars(select(InboundMail.source)).all()
        assert {Path(source).name for source in stored} >= answered
        assert crashing not in {Path(source).name for source in stored}
        outcomes = db.session.scalars(select(InboundMail.outcome)).all()
        assert InboundOutcome.RECEIVED not in outcomes  # nothing left half-done


def test_one_job_prints_in_the_order_read(app, runner, tmp_path):
    expected = _senders_threads(tmp_path / "mail")

    result = runner.invoke(args=["mail", "ingest", "--jobs", "1", str(tmp_path / "mail")])

    sources = [Path(json.loads(line)["source"]).name for line in result.stdout.splitlines()]
    assert sources == sorted(expected)


@pytest.mark.parametrize("jobs", ["0", "65", "two"])
def test_a_job_count_out_of_range_is_refused(app, runner, tmp_path, jobs):
    (tmp_path / "one.eml").write_bytes(_mail(0, 0))

    result = runner.invoke(args=["mail", "ingest", "--jobs", jobs, str(tmp_path / "one.eml")])

    assert result.exit_code == 2
    assert "--jobs" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(InboundMail)) == 0


def test_jobs_on_sqlite_say_they_are_no_faster(app, runner, tmp_path):
    (tmp_path / "one.eml").write_bytes(_mail(0, 0))

    result = runner.invoke(args=["mail", "ingest", "--jobs", "2", str(tmp_path / "one.eml")])

    assert result.exit_code == 0, result.output
    with app.app_context():
        on_sqlite = db.engine.dialect.name == "sqlite"
    assert ("no faster" in result.stderr) is on_sqlite
    assert json.loads(result.stdout)["outcome"] == "created"
