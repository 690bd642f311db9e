"""Mails per second from the outbox to a local SMTP server, with one and several senders.

    python -m bench.outbox [--mails 2000] [--batch 50] [--senders 1 2 4]   (or: make bench)

Builds a scratch database (SQLite in a temporary folder; on the PostgreSQL server named by
BENCH_DATABASE_URL or DATABASE_URL when set) and a real SMTP server on loopback (aiosmtpd, in
this process).
For each number of senders it queues --mails agent replies (a few rendered and checked by the
outbox, the rest copies with their own Message-IDs), starts that many `send_due` processes
together and times them until the outbox is empty. Afterwards it checks that every mail arrived
exactly once, and reads each sender's peak memory as it ends. Figures go to the terminal and,
under "outbox", to bench/results.json (other benchmarks' figures there are kept).
"""

import json
import os
import secrets
import subprocess
import sys
import tempfile
import threading
from collections import Counter

from aiosmtpd.controller import Controller

from .common import (
    ROOT,
    argument_parser,
    engine_name,
    free_port,
    progress,
    report,
    scratch_database,
)


class CountingHandler:
    """Accepts every mail and remembers its Message-ID."""

    def __init__(self):
        self.message_ids: list[str] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        for line in envelope.original_content.split(b"\r\n"):
            if line.lower().startswith(b"message-id:"):
                with self._lock:
                    self.message_ids.append(line.split(b":", 1)[1].strip().decode())
                break
        return "250 Accepted"


PREPARE = """
import flask_migrate
from helpdesk import accounts, create_app, tickets
from helpdesk.categories import active_category_by_slug, seed_default_categories
from helpdesk.database import db
from helpdesk.models import Role
app = create_app()
with app.app_context():
    flask_migrate.upgrade()
    seed_default_categories()
    def user(email, role):
        return accounts.create_user(email, "bench password 1", role=role, display_name="Bench "
                                    + email.split("@")[0], actor=None)
    user("agent@bench.example", Role.AGENT)
    for number in range(10):
        tickets.open_ticket(
            user(f"member{number}@bench.example", Role.MEMBER),
            category=active_category_by_slug("off-platform-payment"),
            subject="Asked to pay outside the platform",
            description="The client asked me to accept payment by bank transfer instead.",
            reported="quickpay_dev",
        )
    db.session.commit()
"""

QUEUE = """
import sys
from sqlalchemy import delete, insert, select
from helpdesk import create_app, signing, tickets
from helpdesk.database import db
from helpdesk.models import MailKind, OutboundMail, Ticket, User
app = create_app()
count = int(sys.argv[1])
with app.app_context():
    db.session.execute(delete(OutboundMail))
    agent = db.session.scalar(select(User).where(User.email == "agent@bench.example"))
    for ticket in db.session.scalars(select(Ticket)).all():
        tickets.post_reply(agent, ticket, "Thank you, we are reviewing your report.")
    rows = db.session.scalars(select(OutboundMail)).all()
    copies = []
    for number in range(count - len(rows)):
        row = rows[number % len(rows)]
        copies.append({
            "kind": MailKind.AGENT_REPLY, "recipient": row.recipient, "ticket_id": row.ticket_id,
            "email_message_id": signing.new_message_id("helpdesk.example"),
            "subject": row.subject, "body_text": row.body_text, "body_html": row.body_html,
            "headers": row.headers,
        })
    if copies:
        db.session.execute(insert(OutboundMail), copies)
    db.session.commit()
"""

SEND = """
import json, sys, time
from bench.common import peak_rss_mib
from helpdesk import create_app
from helpdesk.mail import sender
app = create_app()
with app.app_context():
    worker, batch, sent = sender.worker_name(), int(sys.argv[1]), 0
    print("ready", flush=True)
    sys.stdin.readline()
    started = time.time()
    while (report := sender.send_due(worker=worker, batch_size=batch)).claimed:
        sent += report.sent
    finished = time.time()
print(json.dumps({"sent": sent, "started": started, "finished": finished,
                  "peak_mib": peak_rss_mib()}))
"""


def python(script: str, env: dict, log, *args: str) -> subprocess.Popen:
    """Run a script in its own process; its log (one line per mail) goes to a file, so a full
    pipe can never hold a sender back."""
    return subprocess.Popen(
        [sys.executable, "-c", script, *args],
        cwd=ROOT,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
    )


def run_script(script: str, env: dict, log, *args: str) -> None:
    process = python(script, env, log, *args)
    process.communicate()
    if process.returncode:
        raise RuntimeError(f"bench step failed ({process.returncode}); see {log.name}")


def run_senders(env: dict, log, senders: int, batch: int) -> list[dict]:
    """Start the senders, let them all begin at once, and collect what each reports (its
    peak memory too, read as it ends)."""
    processes = [python(SEND, env, log, str(batch)) for _ in range(senders)]
    for process in processes:
        if process.stdout.readline().strip() != "ready":
            raise RuntimeError(f"a sender did not start; see {log.name}")
    for process in processes:
        process.stdin.write("go\n")
        process.stdin.flush()
    return [json.loads(process.communicate()[0].splitlines()[-1]) for process in processes]


def measure(env: dict, log, handler: CountingHandler, mails: int, senders: int, batch: int):
    run_script(QUEUE, env, log, str(mails))
    handler.message_ids.clear()
    reports = run_senders(env, log, senders, batch)
    elapsed = max(r["finished"] for r in reports) - min(r["started"] for r in reports)
    sent = sum(r["sent"] for r in reports)
    arrived = Counter(handler.message_ids)
    return {
        "senders": senders,
        "batch": batch,
        "mails": sent,
        "seconds": round(elapsed, 2),
        "per_second": round(sent / elapsed, 1) if elapsed else 0,
        "delivered_once": len(arrived) == mails and set(arrived.values()) == {1},
        "sender_peak_mib": [r["peak_mib"] for r in reports],
    }


def main() -> None:
    parser = argument_parser(__doc__)
    parser.add_argument("--mails", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--senders", type=int, nargs="+", default=[1, 2, 4])
    args = parser.parse_args()

    handler = CountingHandler()
    server = Controller(handler, hostname="127.0.0.1", port=free_port())
    server.start()
    try:
        with (
            tempfile.TemporaryDirectory(prefix="helpdesk-bench-") as scratch,
            scratch_database("helpdesk_bench_outbox", scratch) as database,
        ):
            env = {
                **os.environ,
                "DATABASE_URL": database,
                "SECRET_KEY": secrets.token_hex(16),
                "MAIL_SERVER": "127.0.0.1",
                "MAIL_PORT": str(server.port),
            }
            progress(f"outbox: preparing a scratch {engine_name(database)} database")
            with open(f"{scratch}/bench.log", "w") as log:
                run_script(PREPARE, env, log)
                runs = []
                for senders in args.senders:
                    progress(f"outbox: {args.mails} mails, {senders} sender process(es)")
                    runs.append(measure(env, log, handler, args.mails, senders, args.batch))
    finally:
        server.stop()
    settings = {**vars(args), "database": engine_name(database), "cpus": os.cpu_count()}
    rows = table_rows(args, runs)
    report("outbox", {"settings": settings, "runs": runs}, rows, show_table=not args.no_table)


def table_rows(args, runs: list[dict]) -> list:
    rows = []
    for run in runs:
        senders = f"{run['senders']} sender{'s' if run['senders'] > 1 else ''}"
        rows.append(
            (
                f"{args.mails} mails, batches of {args.batch}, {senders}",
                run["per_second"],
                "mails/s",
            )
        )
    once = all(run["delivered_once"] for run in runs)
    rows.append(("every mail delivered exactly once, in every run", "yes" if once else "NO", ""))
    for run in runs:
        peaks = " / ".join(str(peak) for peak in run["sender_peak_mib"])
        rows.append((f"peak memory: each sender, {run['senders']} at once", peaks, "MiB"))
    return rows


if __name__ == "__main__":
    main()
