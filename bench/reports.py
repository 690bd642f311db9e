"""The reports page at 1,000 tickets and, with BENCH_LARGE=1 on PostgreSQL, 1,000,000:
p50/p95 of the page, its transparency report and the JSON summary, and the slowest single query.

    python -m bench.reports [--sizes 1000] [--repeat 20]   (or: make bench)

Each size gets a fresh database (see bench/common.py). Tickets are bulk-loaded with the shapes
reports read: two years of arrivals over three channels, first responses, solved and closed
times that agree with the status, a reported member named by several reports, a public reply
per answered ticket and a decision on a third of the resolved ones; then the daily roll-ups
are recounted, as after any bulk load (`flask reports rebuild`). Then each page is
requested through the app as a logged-in agent, every SQL statement timed as it runs. On
PostgreSQL the largest size is measured a second time without the reports' indexes
(migrations 0016 and 0018), to show what they buy. Figures go under "reports" in
bench/results.json.
"""

import os
import random
import statistics
import tempfile
import time
from datetime import timedelta

from sqlalchemy import event, insert, select, text

from helpdesk import create_app
from helpdesk.categories import seed_default_categories
from helpdesk.config import parse_bool
from helpdesk.database import db, utcnow
from helpdesk.decisions import seed_default_actions
from helpdesk.models import Category, Decision, DecisionAction, Role, Status, User
from helpdesk.reports import rollups
from helpdesk.signing import new_reference

from .common import (
    argument_parser,
    create_bench_users,
    database_server,
    engine_name,
    migrate_quietly,
    peak_rss_mib,
    progress,
    report,
    scratch_database,
)
from .inbox import BATCH, LARGE_SIZE, STATUS_WEIGHTS, STATUSES, _copy_rows, _insert_rows

PASSWORD = "bench password 1"
REQUESTS = [
    ("page, last 30 days", "/agent/reports?period=30"),
    ("page, last 90 days", "/agent/reports?period=90"),
    ("page, 90 days, one category, web", "/agent/reports?period=90&category=fraud&channel=web"),
    ("transparency, last 90 days", "/agent/reports/transparency?period=90"),
]
API = ("API summary, last 90 days", "/api/v1/reports/summary?period=90")
CHANNELS, CHANNEL_WEIGHTS = ("web", "email", "api"), (70, 25, 5)
REPORT_INDEXES = (
    "ix_tickets_report_created",
    "ix_tickets_report_first_response",
    "ix_tickets_report_solved",
    "ix_tickets_report_closed",
    "ix_tickets_report_backlog",
    "ix_tickets_report_first_decision",
    "ix_messages_kind_created",
)


def load(size: int, rng: random.Random) -> None:
    """Tickets, a message each (a public reply when answered), decisions on some resolved."""
    categories = list(db.session.scalars(select(Category.id)))
    members = create_bench_users(Role.MEMBER, 50, None)
    agents = list(db.session.scalars(select(User.id).where(User.role == Role.AGENT)))
    actions = list(db.session.scalars(select(DecisionAction.id)))
    postgres = db.engine.dialect.name == "postgresql"
    write = _copy_rows if postgres else _insert_rows
    references: set[str] = set()
    for start in range(0, size, BATCH):
        rows = [
            _ticket(rng, categories, members, agents, references)
            for _ in range(min(BATCH, size - start))
        ]
        tickets, messages = [row[0] for row in rows], [row[1] for row in rows]
        for ticket in tickets:  # a third of the resolved tickets were decided as they were solved
            if ticket["solved_at"] and rng.random() < 0.33:
                ticket["first_decision_at"] = ticket["solved_at"]
        write(tickets, messages)
        decisions = [
            _decision(rng, ticket, message["ticket_id"], actions, categories)
            for ticket, message in zip(tickets, messages, strict=True)
            if ticket["first_decision_at"]
        ]
        if decisions:
            db.session.execute(insert(Decision), decisions)
        db.session.commit()
        if (start + BATCH) % 100_000 == 0:
            progress(f"reports: {start + BATCH:,} of {size:,} tickets loaded")
    if postgres:
        with db.engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").execute(
                text("VACUUM ANALYZE")
            )


def _ticket(rng, categories, members, agents, references) -> tuple[dict, dict]:
    created = utcnow() - timedelta(minutes=rng.randrange(2 * 365 * 24 * 60))
    status = rng.choices(STATUSES, STATUS_WEIGHTS)[0]
    answered = status is not Status.NEW or rng.random() < 0.2
    first = created + timedelta(minutes=rng.randrange(10, 72 * 60)) if answered else None
    resolved = status in (Status.SOLVED, Status.CLOSED)
    solved = first + timedelta(hours=rng.randrange(1, 240)) if resolved else None
    closed = solved + timedelta(days=7) if status is Status.CLOSED else None
    while (reference := new_reference()) in references:
        pass
    references.add(reference)
    assignee = rng.choice(agents)
    ticket = {
        "reference": reference,
        "reporter_id": rng.choice(members),
        "category_id": rng.choice(categories),
        "subject": "Asked to pay outside the platform",
        "status": status.value,
        "priority": "normal",
        "source": rng.choices(CHANNELS, CHANNEL_WEIGHTS)[0],
        "assignee_id": assignee,
        # A few hundred thousand members, some named by many reports.
        "reported_key": f"member-{int(rng.paretovariate(1.2)) % 300_000}",
        "created_at": created,
        "first_response_at": first,
        "solved_at": solved,
        "closed_at": closed,
        "first_decision_at": None,
        "last_activity_at": closed or solved or first or created,
        "version": 1,
    }
    message = {
        "author_id": assignee if answered else ticket["reporter_id"],
        "kind": "reply" if answered else "reporter",
        "origin": "web",
        "body": "Thank you, we are looking into it.",
        "created_at": first or created,
    }
    return ticket, message


def _decision(rng, ticket: dict, ticket_id: int, actions, categories) -> dict:
    return {
        "ticket_id": ticket_id,
        "agent_id": ticket["assignee_id"],
        "policy_id": rng.choice([*categories, None]),
        "action_id": rng.choice(actions),
        "reason": "Screenshots confirm the report.",
        "created_at": ticket["solved_at"],
    }


class StatementClock:
    """The duration of every SQL statement the app runs while it is installed."""

    def __init__(self, engine):
        self.engine, self.durations = engine, []

    def _before(self, conn, cursor, statement, parameters, context, executemany):
        conn.info.setdefault("report_clock", []).append(time.perf_counter())

    def _after(self, conn, cursor, statement, parameters, context, executemany):
        started = conn.info["report_clock"].pop()
        self.durations.append((time.perf_counter() - started) * 1000)

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._before)
        event.listen(self.engine, "after_cursor_execute", self._after)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._before)
        event.remove(self.engine, "after_cursor_execute", self._after)


def measure(client, url: str, repeat: int, headers: dict | None = None) -> dict:
    timings, slowest, statements = [], [], 0
    with client.application.app_context():
        engine = db.engine
    for _ in range(repeat):
        with StatementClock(engine) as clock:
            started = time.perf_counter()
            response = client.get(url, headers=headers)
            timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
        slowest.append(max(clock.durations))
        statements = len(clock.durations)
    quantiles = statistics.quantiles(timings, n=20)
    return {
        "p50_ms": round(statistics.median(timings), 1),
        "p95_ms": round(quantiles[18], 1),
        "slowest_query_p50_ms": round(statistics.median(slowest), 1),
        "statements": statements,
    }


def measure_all(app, repeat: int) -> dict:
    client = app.test_client()
    client.post("/login", data={"email": "agent0@bench.example", "password": PASSWORD})
    results = {name: measure(client, url, repeat) for name, url in REQUESTS}
    with app.app_context():
        from helpdesk import api_tokens

        _token, secret = api_tokens.create_token(None, f"Bench {time.time()}", ["stats:read"])
        db.session.commit()
    results[API[0]] = measure(app.test_client(), API[1], repeat, _bearer(secret))
    return results


def _bearer(secret: str) -> dict:
    return {"Authorization": f"Bearer {secret}"}


def run_size(size: int, repeat: int, folder: str, without_indexes: bool) -> dict:
    with scratch_database(f"helpdesk_bench_reports_{size}", folder) as url:
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": url,
                "SECRET_KEY": "bench",
                "WTF_CSRF_ENABLED": False,
                "INSTANCE_PATH": folder,
                "HELPDESK_ATTACHMENT_DIR": f"{folder}/attachments",
                "HELPDESK_API_RATE_LIMIT": "100000 per minute",
            }
        )
        progress(f"reports: loading {size:,} tickets into a scratch {engine_name(url)} database")
        with app.app_context():
            migrate_quietly()
            seed_default_categories()
            seed_default_actions()
            create_bench_users(Role.AGENT, 5, PASSWORD)
            db.session.commit()
            started = time.perf_counter()
            load(size, random.Random(size))
            loaded_in = time.perf_counter() - started
            # The bulk load went around the session: count the roll-ups as `flask reports
            # rebuild` does.
            started = time.perf_counter()
            rollup_rows = rollups.rebuild(app.config["HELPDESK_TIME_ZONE"])
            db.session.commit()
            rebuilt_in = time.perf_counter() - started
        progress(f"reports: {len(REQUESTS) + 1} pages, {repeat} times each, at {size:,} tickets")
        results = {
            "load_seconds": round(loaded_in, 1),
            "rollup_rows": rollup_rows,
            "rollup_rebuild_seconds": round(rebuilt_in, 1),
            "with": measure_all(app, repeat),
        }
        if without_indexes:
            with app.app_context(), db.engine.begin() as connection:
                for name in REPORT_INDEXES:
                    connection.execute(text(f"DROP INDEX {name}"))
                connection.execute(text("ANALYZE"))
            progress(f"reports: again without the reports' indexes, at {size:,} tickets")
            results["without"] = measure_all(app, max(3, repeat // 4))
        with app.app_context():
            db.engine.dispose()
    return results


def main() -> None:
    parser = argument_parser(__doc__)
    parser.add_argument("--sizes", default="1000")
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    postgres = bool(database_server())
    skipped = None
    if parse_bool("BENCH_LARGE", os.environ.get("BENCH_LARGE", "")):
        if postgres:
            sizes.append(LARGE_SIZE)
        else:
            skipped = "skipped: needs PostgreSQL (BENCH_DATABASE_URL or DATABASE_URL)"
            progress(f"reports: BENCH_LARGE=1 {skipped}")
    by_size = {}
    with tempfile.TemporaryDirectory(prefix="helpdesk-reports-bench-") as folder:
        for size in sizes:
            without = postgres and size == max(sizes) and size >= LARGE_SIZE
            by_size[size] = run_size(size, args.repeat, folder, without)
    rows = []
    for size in sizes:
        figures = by_size[size]
        rows += [
            (f"load {size:,} tickets", figures["load_seconds"], "s"),
            (f"daily roll-up rows for {size:,} tickets", figures["rollup_rows"], "rows"),
            (f"rebuild the roll-ups of {size:,} tickets", figures["rollup_rebuild_seconds"], "s"),
        ]
    for size in sizes:
        for variant, label in (("with", ""), ("without", " without the report indexes")):
            for name, timing in by_size[size].get(variant, {}).items():
                rows.append(
                    (
                        f"{name}, {size:,} tickets{label}: p50 / p95 (slowest query p50)",
                        f"{timing['p50_ms']} / {timing['p95_ms']} "
                        f"({timing['slowest_query_p50_ms']})",
                        "ms",
                    )
                )
    if skipped:
        rows.append((f"{LARGE_SIZE:,} tickets (BENCH_LARGE=1)", skipped, ""))
    rows.append(("peak memory: benchmark process (app in-process)", peak_rss_mib(), "MiB"))
    figures = {
        "settings": {**vars(args), "database": "postgresql" if postgres else "sqlite"},
        "sizes": {str(size): figures for size, figures in by_size.items()},
    }
    report("reports", figures, rows, show_table=not args.no_table)


if __name__ == "__main__":
    main()
