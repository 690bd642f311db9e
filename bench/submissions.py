"""Report submissions per second through gunicorn over HTTP, beside a minimal Flask ceiling.

    python -m bench.submissions [--workers 2] [--clients 4] [--seconds 10]
        [--flows browser,post]   (or: make bench)

Builds a scratch database (SQLite in a temporary folder; on the PostgreSQL server named by
BENCH_DATABASE_URL or DATABASE_URL when set), starts gunicorn on loopback, logs one member in
per client, then has every client submit reports as fast as the server answers, in two flows:

- browser: what a browser does for each report: open the form, read its fields, post it
  multipart with the empty evidence field, follow the redirect and check that the page shows
  the subject (the lean client of the peer harnesses);
- post: post the form's fields (urlencoded, with the token read at log-in) and open the page.

The server's CPU time per submission is the CPU time gunicorn's master and workers used during
the run (from /proc) over the submissions made. Afterwards it checks that every accepted
submission left exactly one ticket, message, audit event and acknowledgment. The same clients
against a minimal Flask app under the same gunicorn settings give the ceiling. Just before each
server stops, the peak memory (VmHWM) of its master and of each worker is read; the client's
own peak is read at the end. Figures go to the terminal and, under "submissions", to
bench/results.json.
"""

import html
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
from pathlib import Path
from urllib.parse import urlencode

from sqlalchemy import func, select

from helpdesk.categories import active_category_by_slug, seed_default_categories
from helpdesk.database import db
from helpdesk.models import AuditEvent, MailKind, Message, OutboundMail, Role, Ticket

from .browser import FormFields, multipart
from .common import (
    ROOT,
    argument_parser,
    bench_app,
    child_pids,
    create_bench_users,
    engine_name,
    free_port,
    migrate_quietly,
    peak_rss_mib,
    progress,
    report,
    scratch_database,
)

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
PASSWORD = "bench password 1"
CATEGORY = "off-platform-payment"
SUBJECT = "Asked to pay outside the platform"
DESCRIPTION = "The client asked me to accept payment by bank transfer instead."
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


class Gunicorn:
    """gunicorn serving `app` on a free loopback port for the length of a `with` block.
    On leaving it, `peak_mib` holds the peak memory of the master and of each worker, read
    just before they are stopped."""

    def __init__(self, app: str, env: dict, workers: int):
        self.app, self.env, self.workers = app, env, workers
        self.port = free_port()
        self.peak_mib: dict[str, float] = {}

    def __enter__(self) -> "Gunicorn":
        command = [sys.executable, "-m", "gunicorn", "--workers", str(self.workers)]
        command += ["--bind", f"127.0.0.1:{self.port}", "--log-level", "warning", self.app]
        self.server = subprocess.Popen(command, cwd=ROOT, env=self.env, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return self
            except OSError:
                time.sleep(0.1)
        self.__exit__()
        raise RuntimeError(f"gunicorn did not start for {self.app}")

    def cpu_seconds(self) -> float:
        """The CPU time (user and system) the master and its live workers have used so far."""
        ticks = 0
        for pid in (self.server.pid, *child_pids(self.server.pid)):
            # pid (command) state … utime stime: the 14th and 15th fields.
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])
        return ticks / CLOCK_TICKS

    def __exit__(self, *_exception) -> None:
        try:
            self.peak_mib["master"] = peak_rss_mib(self.server.pid)
            for number, pid in enumerate(child_pids(self.server.pid), 1):
                self.peak_mib[f"worker {number}"] = peak_rss_mib(pid)
        finally:
            self.server.terminate()
            self.server.wait(timeout=30)


class Client:
    """One browser: its own cookies, one connection kept open while the server allows."""

    def __init__(self, port: int):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict | None = None, *, body=None, kind=""):
        """Send one request (a urlencoded `form`, or a `body` of Content-Type `kind`); returns
        the response with its body read as text."""
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if form is not None:
            body, kind = urlencode(form), "application/x-www-form-urlencoded"
        if kind:
            headers["Content-Type"] = kind
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        response.text = response.read().decode()
        for cookie in response.headers.get_all("Set-Cookie") or []:
            name, _, value = cookie.split(";", 1)[0].partition("=")
            self.cookies[name] = value
        return response

    def post(self, token: str | None, category_id: int) -> bool:
        """Post the report form's fields and open the page it leads to."""
        form = {
            "csrf_token": token or "",
            "category": category_id,
            "subject": SUBJECT,
            "description": DESCRIPTION,
            "reported": "quickpay_dev",
            "submission_key": secrets.token_urlsafe(16),
        }
        response = self.request("POST", "/tickets/new", form)
        if response.status != 302:
            return False
        return self.request("GET", response.getheader("Location")).status == 200

    def submit_as_browser(self, _token: str | None, _category_id: int) -> bool:
        """Open the report form, fill it in as a person would, post it as a browser does
        (multipart, the empty evidence field included), follow the redirect and check the page."""
        page = self.request("GET", "/tickets/new")
        if page.status != 200:
            return False
        form = FormFields(page.text, "subject")
        radio_name, category = form.radios[f"category-{CATEGORY}"]
        typed = {
            radio_name: category,
            "subject": SUBJECT,
            "description": DESCRIPTION,
            "reported": "quickpay_dev",
        }
        values = [(name, value) for name, value in form.values if name not in typed]
        body, kind = multipart([*values, *typed.items()], form.files)
        response = self.request("POST", "/tickets/new", body=body, kind=kind)
        if response.status != 302:
            return False
        landed = self.request("GET", response.getheader("Location"))
        return landed.status == 200 and SUBJECT in html.unescape(landed.text)

    def log_in(self, email: str) -> str:
        """Log in and open the report form, as a member would; returns the form's CSRF token."""
        page = self.request("GET", "/login").text
        form = {"csrf_token": CSRF.search(page).group(1), "email": email, "password": PASSWORD}
        status = self.request("POST", "/login", form).status
        assert status == 302, f"log-in failed for {email}: {status}"
        return CSRF.search(self.request("GET", "/tickets/new").text).group(1)


def run_load(
    server: Gunicorn,
    clients: list[tuple[Client, str | None]],
    flow: str,
    seconds: float,
    category_id: int,
) -> dict:
    """Every client submits reports by `flow` until time is up; returns latencies, outcomes
    and the server's CPU time per submission."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def work(client: Client, token: str | None) -> None:
        nonlocal errors
        mine, failed = [], 0
        submit = client.submit_as_browser if flow == "browser" else client.post
        while time.monotonic() < stop_at:
            started = time.perf_counter()
            try:
                ok = submit(token, category_id)
            except (OSError, http.client.HTTPException):
                ok = False
            mine.append(time.perf_counter() - started)
            failed += not ok
        with lock:
            latencies.extend(mine)
            errors += failed

    started, cpu_before = time.perf_counter(), server.cpu_seconds()
    threads = [threading.Thread(target=work, args=pair) for pair in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed, cpu = time.perf_counter() - started, server.cpu_seconds() - cpu_before
    return summarise(latencies, errors, elapsed, cpu)


def summarise(latencies: list[float], errors: int, elapsed: float, cpu: float) -> dict:
    quantiles = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0] * 99
    accepted = len(latencies) - errors
    return {
        "requests": len(latencies),
        "errors": errors,
        "per_second": round(accepted / elapsed, 1),
        "server_cpu_ms": round(cpu * 1000 / accepted, 2) if accepted else None,
        "server_cpu_busy": round(cpu / elapsed, 2),
        "p50_ms": round(quantiles[49] * 1000, 1),
        "p95_ms": round(quantiles[94] * 1000, 1),
        "p99_ms": round(quantiles[98] * 1000, 1),
    }


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
    parser = argument_parser(__doc__)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--flows", default="browser,post", help="browser, post or both")
    args = parser.parse_args()
    flows = args.flows.split(",")

    with (
        tempfile.TemporaryDirectory(prefix="helpdesk-bench-") as scratch,
        scratch_database("helpdesk_bench_submissions", scratch) as database,
    ):
        env = {
            **os.environ,
            "DATABASE_URL": database,
            "SECRET_KEY": secrets.token_hex(16),
            "HELPDESK_ATTACHMENT_DIR": f"{scratch}/attachments",
        }
        progress(f"submissions: preparing a scratch {engine_name(database)} database")
        category_id = prepare_database(env, args.clients)
        helpdesk, ceiling = {}, {}
        with Gunicorn("wsgi:app", env, args.workers) as server:
            members = [Client(server.port) for _ in range(args.clients)]
            logged_in = [
                (client, client.log_in(f"member{number}@bench.example"))
                for number, client in enumerate(members)
            ]
            for flow in flows:
                progress(f"submissions: {args.clients} clients, {flow} flow, {args.seconds:g} s")
                helpdesk[flow] = run_load(server, logged_in, flow, args.seconds, category_id)
        accepted = sum(run["requests"] - run["errors"] for run in helpdesk.values())
        stored = verify(env, accepted)
        with Gunicorn("bench.ceiling:app", env, args.workers) as ceiling_server:
            anonymous = [(Client(ceiling_server.port), None) for _ in range(args.clients)]
            for flow in flows:
                progress(f"submissions: the same clients, a minimal Flask app, {flow} flow")
                ceiling[flow] = run_load(ceiling_server, anonymous, flow, args.seconds, 1)
    memory = {f"gunicorn {name}": peak for name, peak in server.peak_mib.items()}
    memory["benchmark client (its process also set up the database)"] = peak_rss_mib()
    settings = {**vars(args), "database": engine_name(database), "cpus": os.cpu_count()}
    figures = {
        "settings": settings,
        "report_submission": helpdesk,
        "ceiling": ceiling,
        "stored": stored,
        "peak_memory_mib": memory,
    }
    rows = table_rows(args, helpdesk, ceiling, stored, memory)
    report("submissions", figures, rows, show_table=not args.no_table)


def table_rows(args, helpdesk: dict, ceiling: dict, stored: dict, memory: dict) -> list:
    setting = f"gunicorn -w {args.workers}, {args.clients} clients, {args.seconds:g} s"
    rows = []
    for flow in helpdesk:
        for name, run in (
            ("report form", helpdesk[flow]),
            ("minimal Flask (ceiling)", ceiling[flow]),
        ):
            name = f"{name}, {flow} flow"
            rows += [
                (f"{name}, {setting}", run["per_second"], "/s"),
                (f"{name}: server CPU per submission", run["server_cpu_ms"], "ms"),
                (
                    f"{name}: server CPU busy (of {args.workers} workers)",
                    run["server_cpu_busy"],
                    "cores",
                ),
                (f"{name}: p50 / p95 / p99", _latencies(run), "ms"),
                (f"{name}: requests / errors", f"{run['requests']} / {run['errors']}", ""),
            ]
        per_second = ceiling[flow]["per_second"]
        ratio = helpdesk[flow]["per_second"] / per_second if per_second else 0
        rows.append((f"report form / ceiling, {flow} flow", round(ratio * 100, 1), "%"))
    once = "yes" if stored["all_stored_once"] else "NO"
    rows.append(("each accepted report: 1 ticket, message, audit event, ack", once, ""))
    rows += [(f"peak memory: {name}", peak, "MiB") for name, peak in memory.items()]
    return rows


def _latencies(run: dict) -> str:
    return f"{run['p50_ms']} / {run['p95_ms']} / {run['p99_ms']}"


if __name__ == "__main__":
    main()
