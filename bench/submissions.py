"""Report submissions per second through gunicorn over HTTP, beside a minimal Flask ceiling.

    python -m bench.submissions [--workers 2] [--clients 8] [--seconds 10]   (or: make bench)

Builds a scratch database (SQLite in a temporary folder; on the PostgreSQL server named by
BENCH_DATABASE_URL when set), starts gunicorn on loopback, logs one member in per client,
then has every client post the report form and open the page it leads to, as fast as the
server answers. Afterwards it checks that every accepted submission left exactly one ticket
with one message and one audit event. The same clients against a minimal Flask app under the
same gunicorn settings give the
ceiling. Figures go to the terminal and to bench/results.json.
"""

import argparse
import http.client
import os
import re
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlencode

from sqlalchemy import func, select

from helpdesk import create_app
from helpdesk.categories import active_category_by_slug, seed_default_categories
from helpdesk.database import db
from helpdesk.models import AuditEvent, MailKind, Message, OutboundMail, Role, Ticket

from .common import create_bench_users, migrate_quietly, save_results, scratch_database

ROOT = Path(__file__).resolve().parent.parent
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
PASSWORD = "bench password 1"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def gunicorn(app: str, env: dict, workers: int):
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--workers",
        str(workers),
        "--bind",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
        app,
    ]
    server = subprocess.Popen(command, cwd=ROOT, env=env, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError(f"gunicorn did not start for {app}")
        yield port
    finally:
        server.terminate()
        server.wait(timeout=30)


class Client:
    """One browser: its own cookies, one connection kept open while the server allows."""

    def __init__(self, port: int):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict | None = None):
        """Send one request; returns the response with its body read as text."""
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        response.text = response.read().decode()
        for cookie in response.headers.get_all("Set-Cookie") or []:
            name, _, value = cookie.split(";", 1)[0].partition("=")
            self.cookies[name] = value
        return response

    def submit(self, form: dict) -> bool:
        """Post the report form and open the page it leads to, as a browser does."""
        response = self.request("POST", "/tickets/new", form)
        if response.status != 302:
            return False
        return self.request("GET", response.getheader("Location")).status == 200

    def log_in(self, email: str) -> str:
        """Log in and open the report form, as a member would; returns the form's CSRF token."""
        page = self.request("GET", "/login").text
        form = {"csrf_token": CSRF.search(page).group(1), "email": email, "password": PASSWORD}
        status = self.request("POST", "/login", form).status
        assert status == 302, f"log-in failed for {email}: {status}"
        return CSRF.search(self.request("GET", "/tickets/new").text).group(1)


def run_load(clients: list[tuple[Client, str | None]], seconds: float, category_id: int) -> dict:
    """Every client posts reports until time is up; returns latencies and outcomes."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def work(client: Client, token: str | None) -> None:
        nonlocal errors
        mine, failed = [], 0
        while time.monotonic() < stop_at:
            form = {
                "csrf_token": token or "",
                "category": category_id,
                "subject": "Asked to pay outside the platform",
                "description": "The client asked me to accept payment by bank transfer instead.",
                "reported": "quickpay_dev",
                "submission_key": secrets.token_urlsafe(16),
            }
            started = time.perf_counter()
            try:
                ok = client.submit(form)
            except (OSError, http.client.HTTPException):
                ok = False
            mine.append(time.perf_counter() - started)
            failed += not ok
        with lock:
            latencies.extend(mine)
            errors += failed

    started = time.perf_counter()
    threads = [threading.Thread(target=work, args=pair) for pair in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    return summarise(latencies, errors, elapsed)


def summarise(latencies: list[float], errors: int, elapsed: float) -> dict:
    quantiles = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0] * 99
    return {
        "requests": len(latencies),
        "errors": errors,
        "per_second": round((len(latencies) - errors) / elapsed, 1),
        "p50_ms": round(quantiles[49] * 1000, 1),
        "p95_ms": round(quantiles[94] * 1000, 1),
        "p99_ms": round(quantiles[98] * 1000, 1),
    }


def bench_app(env: dict):
    """The app as the gunicorn workers see it, for setting up and checking in this process."""
    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": env["DATABASE_URL"],
            "SECRET_KEY": env["SECRET_KEY"],
            "HELPDESK_ATTACHMENT_DIR": env["HELPDESK_ATTACHMENT_DIR"],
        }
    )


def prepare_database(env: dict, members: int) -> int:
    """Migrate, add the categories and the members; returns a category id to report under."""
    app = bench_app(env)
    with app.app_context():
        migrate_quietly()
        seed_default_categories()
        create_bench_users(Role.MEMBER, members, PASSWORD)
        db.session.commit()
        category_id = active_category_by_slug("off-platform-payment").id
        db.engine.dispose()
    return category_id


def verify(env: dict, accepted: int) -> dict:
    """Every accepted submission made exactly one ticket, message, audit event and
    acknowledgment in the outbox."""
    app = bench_app(env)
    with app.app_context():
        created = select(func.count(AuditEvent.id)).where(AuditEvent.action == "ticket.created")
        acknowledged = select(func.count(OutboundMail.id)).where(
            OutboundMail.kind == MailKind.REPORT_RECEIVED
        )
        stored = {
            "tickets": db.session.scalar(select(func.count(Ticket.id))),
            "messages": db.session.scalar(select(func.count(Message.id))),
            "created_events": db.session.scalar(created),
            "acknowledgments": db.session.scalar(acknowledged),
        }
        db.engine.dispose()
    stored["all_stored_once"] = len(set(stored.values()) | {accepted}) == 1
    return stored


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="helpdesk-bench-") as scratch:
        database = scratch_database("helpdesk_bench_submissions", scratch)
        env = {
            **os.environ,
            "DATABASE_URL": database,
            "SECRET_KEY": secrets.token_hex(16),
            "HELPDESK_ATTACHMENT_DIR": f"{scratch}/attachments",
        }
        category_id = prepare_database(env, args.clients)
        with gunicorn("wsgi:app", env, args.workers) as port:
            members = [Client(port) for _ in range(args.clients)]
            logged_in = [
                (client, client.log_in(f"member{number}@bench.example"))
                for number, client in enumerate(members)
            ]
            helpdesk = run_load(logged_in, args.seconds, category_id)
        stored = verify(env, helpdesk["requests"] - helpdesk["errors"])
        with gunicorn("bench.ceiling:app", env, args.workers) as port:
            anonymous = [(Client(port), None) for _ in range(args.clients)]
            ceiling = run_load(anonymous, args.seconds, category_id)
    print_table(args, database, helpdesk, ceiling, stored)
    settings = {**vars(args), "database": database.split(":", 1)[0], "cpus": os.cpu_count()}
    save_results(
        "submissions",
        {"settings": settings, "report_submission": helpdesk, "ceiling": ceiling, "stored": stored},
    )


def print_table(args, database: str, helpdesk: dict, ceiling: dict, stored: dict) -> None:
    engine = database.split(":", 1)[0]
    print(
        f"\nReport submissions: gunicorn -w {args.workers}, {args.clients} concurrent clients, "
        f"{args.seconds:g} s, {engine}, {os.cpu_count()} CPUs"
    )
    header = f"{'endpoint':<28}{'requests':>9}{'errors':>8}{'per s':>9}"
    header += f"{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"
    print(header)
    print("-" * len(header))
    rows = (("report form: POST + page", helpdesk), ("minimal Flask (ceiling)", ceiling))
    for name, row in rows:
        print(
            f"{name:<28}{row['requests']:>9}{row['errors']:>8}{row['per_second']:>9}"
            f"{row['p50_ms']:>9}{row['p95_ms']:>9}{row['p99_ms']:>9}"
        )
    ratio = helpdesk["per_second"] / ceiling["per_second"] if ceiling["per_second"] else 0
    print(f"helpdesk / ceiling: {ratio:.1%}")
    print(
        f"stored: {stored['tickets']} tickets, {stored['messages']} messages, "
        f"{stored['created_events']} audit events, {stored['acknowledgments']} acknowledgments; "
        "each accepted submission stored and acknowledged once: "
        f"{'yes' if stored['all_stored_once'] else 'NO'}"
    )


if __name__ == "__main__":
    main()
