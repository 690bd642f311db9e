"""Mails per second from the outbox to a local SMTP server, with one and several senders.

    python -m bench.outbox [--mails 2000] [--batch 50] [--senders 1 2 4]   (or: make bench)

Builds a scratch database (SQLite in a temporary folder; on the PostgreSQL server named by
BENCH_DATABASE_URL when set) and a real SMTP server on loopback (aiosmtpd, in this process).
For each number of senders it queues --mails agent replies (a few rendered and checked by the
outbox, the rest copies with their own Message-IDs), starts that many `send_due` processes
together and times them until the outbox is empty. Afterwards it checks that every mail arrived
exactly once. Figures go to the terminal and, under "outbox", to bench/results.json (other
benchmarks' figures there are kept).
"""

import argparse
import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
from collections import Counter
from pathlib import Path

from aiosmtpd.controller import Controller

from .common import save_results, scratch_database

ROOT = Path(__file__).resolve().parent.parent


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
        tickets.post_reply(ticket, agent, "Thank you, we are reviewing your report.")
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
from helpdesk import create_app, outbox
app = create_app()
with app.app_context():
    worker, batch, sent = outbox.worker_name(), int(sys.argv[1]), 0
    print("ready", flush=True)
    sys.stdin.readline()
    started = time.time()
    while (report := outbox.send_due(worker=worker, batch_size=batch)).claimed:
        sent += report.sent
    print(json.dumps({"sent": sent, "started": started, "finished": time.time()}), flush=True)
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
    """Start the senders, let them all begin at once, and collect what each reports."""
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
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mails", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--senders", type=int, nargs="+", default=[1, 2, 4])
    args = parser.parse_args()

    handler = CountingHandler()
    server = Controller(handler, hostname="127.0.0.1", port=free_port())
    server.start()
    try:
        with tempfile.TemporaryDirectory(prefix="helpdesk-bench-") as scratch:
            database = scratch_database("helpdesk_bench_outbox", scratch)
            env = {
                **os.environ,
                "DATABASE_URL": database,
                "SECRET_KEY": secrets.token_hex(16),
                "MAIL_SERVER": "127.0.0.1",
                "MAIL_PORT": str(server.port),
            }
            with open(f"{scratch}/bench.log", "w") as log:
                run_script(PREPARE, env, log)
                runs = [
                    measure(env, log, handler, args.mails, senders, args.batch)
                    for senders in args.senders
                ]
    finally:
        server.stop()
    engine = database.split(":", 1)[0]
    print_table(args, engine, runs)
    save_results(
        "outbox",
        {"settings": {**vars(args), "database": engine, "cpus": os.cpu_count()}, "runs": runs},
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def print_table(args, engine: str, runs: list[dict]) -> None:
    print(
        f"\nOutbox to a local aiosmtpd server: {args.mails} mails per run, batches of "
        f"{args.batch}, {engine}, {os.cpu_count()} CPUs"
    )
    header = f"{'senders':>8}{'mails':>8}{'seconds':>10}{'mails/s':>10}  delivered once"
    print(header)
    print("-" * len(header))
    for run in runs:
        print(
            f"{run['senders']:>8}{run['mails']:>8}{run['seconds']:>10}{run['per_second']:>10}"
            f"  {'yes' if run['delivered_once'] else 'NO'}"
        )


if __name__ == "__main__":
    main()
