"""Intake messages per second through `mail ingest`, and its peak memory on one 20 MB message.

    python -m bench.intake [--messages 10000] [--jobs 1 2]   (or: make bench)

Builds a scratch database (SQLite in a temporary folder; on the PostgreSQL server named by
BENCH_DATABASE_URL or DATABASE_URL when set) holding 200 web reports, then writes --messages
varied .eml files into a temporary directory: new reports from many senders (known members and
strangers, plain and HTML, some with a screenshot, some in Latin-1 or with encoded names),
replies by each ticket's reporter (through the signed reply address, or In-Reply-To naming our
acknowledgment), auto-replies, and later copies of earlier messages (the same bytes, or the
same Message-ID with one more Received header). `flask --app wsgi mail ingest --jobs N DIR`
then takes them all in, as its own process (with N forks of itself when N is above one); each
JSON line it prints must show the outcome its message was generated for. That is done once for
each --jobs value, on a database of its own. Two more runs of `mail ingest` take one tiny
message (the baseline) and one 20 MB message (a base64 attachment). Each `mail ingest` writes,
as it exits, the peak memory of the largest of its processes. Figures go to the terminal and,
under "intake", to bench/results.json.
"""

import json
import os
import random
import secrets
import subprocess
import tempfile
import time
from collections import Counter
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid
from pathlib import Path

from sqlalchemy import select

from helpdesk import signing, tickets
from helpdesk.categories import active_category_by_slug, seed_default_categories
from helpdesk.database import db, utcnow
from helpdesk.models import MailKind, OutboundMail, Role, User

from .common import (
    ROOT,
    argument_parser,
    bench_app,
    create_bench_users,
    engine_name,
    migrate_quietly,
    module_command,
    progress,
    report,
    scratch_database,
)

SUPPORT = "support@helpdesk.example"
DOMAIN = "helpdesk.example"
AUTHSERV_ID = f"mx.{DOMAIN}"  # our receiving server, which records DMARC passes
TICKETS = 200
STRANGERS = 1_500
LARGE_MESSAGE_BYTES = 20_000_000
# Of every 10 messages: 5 new reports, 3 replies, 1 auto-reply, 1 later copy.
SHARES = {"report": 5, "reply": 3, "auto_reply": 1}
COPY_SHARE = 0.1
OUTCOME = {"report": "created", "reply": "appended", "auto_reply": "ignored", "copy": "duplicate"}
OUTCOME_NAMES = "created / appended / duplicate / ignored / quarantined"

NAMES = ["Ana Souza", "Zoë Martín", "Łukasz Nowak", "田中 花子", "Olu Adebayo", "Priya Iyer"]
PROVIDERS = ["mail.example", "freelance.example", "post.example", "studio.example"]
SUBJECTS = [
    "Client asked me to pay outside the platform",
    "Harassment in the workroom",
    "Someone copied my portfolio",
    "Betrug: Zahlung außerhalb der Plattform verlangt",
    "Faux profil qui utilise mes photos",
    "Threats after I asked for the milestone payment",
]
BODY = (
    "Hello,\n\nOn {day} a member I was working with {what}. I have kept the messages and can "
    "send more screenshots if you need them.\n\nThank you,\n{name}\n"
)
WHATS = [
    "asked me to move payment to a bank transfer",
    "sent me insulting messages in the workroom",
    "threatened to leave fake feedback unless I worked for free",
    "used my photos on their profile",
]


def main() -> None:
    parser = argument_parser(__doc__)
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument(
        "--jobs",
        type=int,
        nargs="+",
        default=[1, 2],
        help="`mail ingest --jobs` of each bulk run, each on a database of its own",
    )
    args = parser.parse_args()
    runs = [
        _runs(args.messages, jobs, with_single_messages=jobs == args.jobs[0]) for jobs in args.jobs
    ]
    figures = {
        "settings": {**vars(args), "database": runs[0]["database"], "cpus": os.cpu_count()},
        "bulk": {str(run["jobs"]): run["bulk"] for run in runs},
        **runs[0]["single"],
    }
    report("intake", figures, table_rows(figures), show_table=not args.no_table)


def _runs(count: int, jobs: int, *, with_single_messages: bool) -> dict:
    """On a fresh database: `mail ingest --jobs JOBS` of `count` generated messages (its
    speed, its outcomes against those generated, its peak memory); then, if asked, one
    tiny message and one 20 MB message, each by a run of its own."""
    with (
        tempfile.TemporaryDirectory(prefix="helpdesk-bench-") as scratch,
        scratch_database("helpdesk_bench_intake", scratch) as database,
    ):
        env = _environment(database, scratch)
        progress(f"intake: preparing a scratch {engine_name(database)} database")
        answered = prepare_database(env)
        folder = Path(scratch, "messages")
        folder.mkdir()
        expected = write_messages(folder, count, answered, env["SECRET_KEY"])
        progress(f"intake: mail ingest --jobs {jobs} of {len(expected):,} messages")
        run = ingest(env, folder, Path(scratch, "bulk.jsonl"), jobs=jobs)
        bulk = {
            "messages": len(expected),
            "seconds": run["seconds"],
            "per_second": round(len(expected) / run["seconds"], 1),
            "peak_mib": run["peak_mib"],
            **compare(expected, run["lines"]),
        }
        single = {}
        if with_single_messages:
            progress("intake: mail ingest of one tiny message, then of one 20 MB message")
            tiny = ingest(env, write_one(folder.parent, "tiny", 0), Path(scratch, "tiny.jsonl"))
            large_file = write_one(folder.parent, "large", LARGE_MESSAGE_BYTES)
            large = ingest(env, large_file, Path(scratch, "large.jsonl"))
            single = {
                "peak_mib": {"tiny": tiny["peak_mib"], "large": large["peak_mib"]},
                "large_message_bytes": large_file.stat().st_size,
                "large_outcome": large["lines"][0]["outcome"],
            }
    return {"jobs": jobs, "database": engine_name(database), "bulk": bulk, "single": single}


def _environment(database: str, scratch: str) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": database,
        "SECRET_KEY": secrets.token_hex(16),
        "HELPDESK_ATTACHMENT_DIR": f"{scratch}/attachments",
        "HELPDESK_SUPPORT_ADDRESS": SUPPORT,
        "HELPDESK_AUTHSERV_ID": AUTHSERV_ID,
        # Room for the 20 MB message; the same in every run, so the baseline compares.
        "HELPDESK_INTAKE_MAX_MESSAGE_BYTES": str(64 * 1024 * 1024),
        "HELPDESK_MAX_ATTACHMENT_BYTES": str(64 * 1024 * 1024),
    }


def prepare_database(env: dict) -> list[dict]:
    """Migrate, seed, and open TICKETS web reports by as many members. Returns, per ticket,
    its reference, its reporter's address and the Message-ID of its acknowledgment."""
    app = bench_app(env)
    with app.app_context():
        migrate_quietly()
        seed_default_categories()
        category = active_category_by_slug("off-platform-payment")
        for user_id in create_bench_users(Role.MEMBER, TICKETS, None):
            tickets.open_ticket(
                db.session.get(User, user_id),
                category=category,
                subject="Asked to pay outside the platform",
                description="The client asked me to accept payment by bank transfer instead.",
            )
        db.session.commit()
        acknowledgments = db.session.scalars(
            select(OutboundMail).where(OutboundMail.kind == MailKind.REPORT_RECEIVED)
        ).all()
        answered = [
            {
                "reference": mail.ticket.reference,
                "reporter": mail.ticket.reporter.email,
                "acknowledgment": mail.email_message_id,
            }
            for mail in acknowledgments
        ]
        db.engine.dispose()
    return answered


def write_messages(folder: Path, count: int, answered: list[dict], secret: str) -> dict:
    """Write `count` .eml files, named in the order they are to be taken in; returns the
    outcome expected for each file. Every copy comes after the message it copies."""
    rng = random.Random(count)
    kinds = [kind for kind, share in SHARES.items() for _ in range(share)]
    copies = round(count * COPY_SHARE)
    messages = []
    for number in range(count - copies):
        kind = rng.choice(kinds)
        if kind == "report":
            raw = new_report(rng, number)
        elif kind == "reply":
            raw = reply(rng, rng.choice(answered), secret)
        else:
            raw = auto_reply(rng, rng.choice(answered), secret)
        messages.append((kind, raw))
    for _ in range(copies):
        original = rng.randrange(len(messages))
        later = rng.randrange(original + 1, len(messages) + 1)
        messages.insert(later, ("copy", redelivered(rng, messages[original][1])))
    expected = {}
    for number, (kind, raw) in enumerate(messages):
        path = folder / f"{number:06d}.eml"
        path.write_bytes(raw)
        expected[str(path)] = OUTCOME[kind]
    return expected


def _message(rng: random.Random, sender: Address, to: str, subject: str) -> EmailMessage:
    message = EmailMessage(policy=SMTP)
    message["Message-ID"] = make_msgid(domain=sender.domain)
    message["Date"] = format_datetime(utcnow())
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    if rng.random() < 0.3:
        message["User-Agent"] = rng.choice(["Thunderbird/128.0", "Roundcube 1.6", "K-9 Mail"])
    return message


def new_report(rng: random.Random, number: int) -> bytes:
    """A report by mail: plain or with an HTML part, sometimes Latin-1, sometimes with a
    screenshot; from a stranger (who becomes a member) or a known member."""
    if rng.random() < 0.4:
        address = f"member{rng.randrange(TICKETS)}@bench.example"
    else:
        address = f"sender{rng.randrange(STRANGERS)}@{rng.choice(PROVIDERS)}"
    sender = Address(rng.choice(NAMES), addr_spec=address)
    to = rng.choice([SUPPORT, SUPPORT, f"abuse@{DOMAIN}"])
    message = _message(rng, sender, to, f"{rng.choice(SUBJECTS)} ({number})")
    day, what = f"May {rng.randrange(1, 29)}", rng.choice(WHATS)
    text = BODY.format(day=day, what=what, name=sender.display_name)
    charset = "iso-8859-1" if rng.random() < 0.1 and _latin1(text) else "utf-8"
    message.set_content(text, charset=charset)
    if rng.random() < 0.3:
        paragraphs = "".join(f"<p>{part}</p>" for part in text.split("\n\n"))
        message.add_alternative(f"<html><body>{paragraphs}</body></html>", subtype="html")
    if rng.random() < 0.1:
        screenshot = b"\x89PNG\r\n\x1a\n" + rng.randbytes(rng.randrange(2_000, 40_000))
        message.add_attachment(screenshot, "image", "png", filename="screenshot.png")
    return message.as_bytes()


def _latin1(text: str) -> bool:
    try:
        text.encode("iso-8859-1")
    except UnicodeEncodeError:
        return False
    return True


def reply(rng: random.Random, ticket: dict, secret: str) -> bytes:
    """The reporter answers our acknowledgment: to the ticket's signed reply address, or to
    the support address with In-Reply-To naming the acknowledgment and the DMARC pass our
    receiving server recorded (without either, it would be a new report); quoting it below."""
    sender = Address("", addr_spec=ticket["reporter"])
    signed = rng.random() < 0.5
    to = signing.reply_address(SUPPORT, DOMAIN, ticket["reference"], secret) if signed else SUPPORT
    message = _message(rng, sender, to, "Re: We received your report")
    if not signed:
        message["Authentication-Results"] = (
            f"{AUTHSERV_ID}; dmarc=pass (p=reject dis=none) header.from={sender.domain}"
        )
    message["In-Reply-To"] = ticket["acknowledgment"]
    message["References"] = ticket["acknowledgment"]
    message.set_content(
        f"Here is one more detail: they wrote to me again at {rng.randrange(8, 22)}:00.\n\n"
        "On Monday, Trust & Safety wrote:\n> Thank you, we received your report.\n"
        "> We will look at it and may ask you for more information.\n"
    )
    return message.as_bytes()


def auto_reply(rng: random.Random, ticket: dict, secret: str) -> bytes:
    """An out-of-office answer from the reporter's mailbox to our acknowledgment (RFC 3834)."""
    sender = Address("", addr_spec=ticket["reporter"])
    to = signing.reply_address(SUPPORT, DOMAIN, ticket["reference"], secret)
    message = _message(rng, sender, to, "Automatic reply: We received your report")
    message["Auto-Submitted"] = "auto-replied"
    if rng.random() < 0.5:
        message["X-Autoreply"] = "yes"
    message["In-Reply-To"] = ticket["acknowledgment"]
    message.set_content("I am away until Monday and will read your message when I am back.\n")
    return message.as_bytes()


def redelivered(rng: random.Random, raw: bytes) -> bytes:
    """A message delivered again: the very same bytes, or one more Received header on top."""
    if rng.random() < 0.5:
        return raw
    hop = f"Received: from mx{rng.randrange(9)}.{DOMAIN} by {DOMAIN}; {format_datetime(utcnow())}"
    return hop.encode() + b"\r\n" + raw


def write_one(folder: Path, name: str, size: int) -> Path:
    """One new report from a stranger in its own file; with `size`, an attachment of random
    bytes makes the whole message about that many bytes (base64 adds a third, and line ends)."""
    sender = Address("Big Attachment", addr_spec=f"{name}@{PROVIDERS[0]}")
    message = _message(random.Random(name), sender, SUPPORT, f"Evidence attached ({name})")
    message.set_content("The recording of the call is attached.\n")
    if size:
        data = os.urandom(size * 3 // 4 * 76 // 78)
        message.add_attachment(data, "application", "octet-stream", filename="recording.bin")
    path = folder / f"{name}.eml"
    path.write_bytes(message.as_bytes())
    return path


def ingest(env: dict, path: Path, output: Path, *, jobs: int = 1) -> dict:
    """Run `mail ingest --jobs JOBS PATH` in its own process; its JSON lines, its time, and
    the peak memory of the largest of its processes."""
    peak_file = output.with_suffix(".peak")
    command = module_command(
        "flask", "--app", "wsgi", "mail", "ingest", f"--jobs={jobs}", str(path), peak_file=peak_file
    )
    with output.open("w") as lines, tempfile.TemporaryFile() as errors:
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=lines, stderr=errors)
        while (returncode := _wait(process, 30)) is None:
            done = len(output.read_bytes().splitlines())
            progress(f"intake: {done:,} messages taken in so far")
        seconds = time.perf_counter() - started
        if returncode:
            errors.seek(0)
            tail = errors.read().decode(errors="replace").strip().splitlines()[-5:]
            raise RuntimeError(f"mail ingest failed ({returncode}): " + " | ".join(tail))
    parsed = [json.loads(line) for line in output.read_text().splitlines()]
    return {"lines": parsed, "seconds": round(seconds, 2), "peak_mib": float(peak_file.read_text())}


def _wait(process: subprocess.Popen, seconds: float) -> int | None:
    try:
        return process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        return None


def compare(expected: dict[str, str], lines: list[dict]) -> dict:
    """Outcome counts, and whether each message ended as generated (the first few that did
    not are printed)."""
    outcomes = {line["source"]: line["outcome"] for line in lines}
    wrong = [
        (source, want, outcomes.get(source))
        for source, want in expected.items()
        if outcomes.get(source) != want
    ]
    for source, want, got in wrong[:5]:
        reason = next((line["reason"] for line in lines if line["source"] == source), None)
        progress(f"intake: {Path(source).name} expected {want}, got {got} ({reason})")
    return {
        "outcomes": dict(Counter(line["outcome"] for line in lines)),
        "generated": dict(Counter(expected.values())),
        "unexpected": len(wrong),
    }


def table_rows(figures: dict) -> list:
    rows = []
    for jobs, bulk in figures["bulk"].items():
        count, processes = f"{bulk['messages']:,} messages", f"--jobs {jobs}"
        rows += [
            (f"mail ingest {processes}, {count}", bulk["per_second"], "messages/s"),
            (f"mail ingest {processes}, {count}: wall time", bulk["seconds"], "s"),
            (f"mail ingest {processes}: outcomes {OUTCOME_NAMES}", _counts(bulk["outcomes"]), ""),
            ("as generated", _counts(bulk["generated"]), ""),
            ("every message ended as generated", "no" if bulk["unexpected"] else "yes", ""),
            (f"peak memory: mail ingest {processes}, largest process", bulk["peak_mib"], "MiB"),
        ]
    peaks = figures["peak_mib"]
    large = f"one {figures['large_message_bytes'] / 1_000_000:.1f} MB message"
    return [
        *rows,
        ("peak memory: mail ingest process, one tiny message", peaks["tiny"], "MiB"),
        (f"peak memory: mail ingest process, {large}", peaks["large"], "MiB"),
        (f"{large} ({figures['large_outcome']}) over one tiny message", _over(peaks), "MiB"),
    ]


def _counts(outcomes: dict) -> str:
    return " / ".join(str(outcomes.get(name, 0)) for name in OUTCOME_NAMES.split(" / "))


def _over(peaks: dict) -> float:
    return round(peaks["large"] - peaks["tiny"], 1)


if __name__ == "__main__":
    main()
