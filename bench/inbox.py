"""Inbox views and search at 1,000 and 100,000 tickets: p50/p95 of each page, in-process.

    python -m bench.inbox [--sizes 1000,100000] [--repeat 30]   (or: make bench)

Each size gets a fresh database: SQLite in a temporary folder, or a scratch database on the
PostgreSQL server named by BENCH_DATABASE_URL or DATABASE_URL (see bench/common.py). With
BENCH_LARGE=1 and PostgreSQL, 1,000,000 tickets as well. Tickets are bulk-loaded with
realistic shapes (most closed, a few hundred open, one message each, a rare word in 1%, a
reported member named in one in five, 50 reporters): COPY on PostgreSQL, multi-row inserts
on SQLite, so the full-text index is filled the way the app's own writes fill it (GIN
expression indexes; FTS5 triggers). Then every inbox view is
requested through the app as a logged-in agent. Figures go to the terminal and, under
"inbox", to bench/results.json.
"""

import os
import random
import statistics
import tempfile
import time
from datetime import timedelta

from sqlalchemy import insert, select, text

from helpdesk import create_app
from helpdesk.categories import seed_default_categories
from helpdesk.config import parse_bool
from helpdesk.database import db, utcnow
from helpdesk.inbox import VIEWS
from helpdesk.models import Category, Message, Role, Status, Ticket, User
from helpdesk.reported import parse_reported_party
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

PASSWORD = "bench password 1"
STATUS_SHARES = [
    (Status.NEW, 0.02),
    (Status.OPEN, 0.05),
    (Status.PENDING, 0.03),
    (Status.ON_HOLD, 0.02),
    (Status.SOLVED, 0.08),
    (Status.CLOSED, 0.80),
]
STATUSES, STATUS_WEIGHTS = zip(*STATUS_SHARES, strict=True)
SUBJECTS = [
    "Asked to pay outside the platform",
    "Rude messages in the workroom",
    "Fake profile using my photos",
    "Client wants free test work",
    "Threatened to leave bad feedback",
    "Phishing link sent in chat",
    "My portfolio copied by another freelancer",
]
BODY = (
    "On {day} the other member wrote to me in the workroom about milestone {n}. "
    "They asked for {ask}. I have screenshots of the conversation."
)
ASKS = ["a bank transfer", "crypto", "gift cards", "my passport", "five-star feedback"]
REQUESTS = [(f"{view.title}", f"view={view.slug}") for view in VIEWS] + [
    ("New and open by priority", "view=new_open&sort=priority"),
    ("All, last update", "view=all&sort=updated"),
    ("Search: rare word", "view=all&q=escrow"),
    ("Search: common word", "view=all&q=screenshots+milestone"),
    ("Search: reference", "view=all&q={reference}"),
    ("Search: reference without HD-", "view=all&q={bare_reference}"),
    ("Search: reported member, other spelling", "view=all&q=FREELANCER.00042"),
    ("Search: reporter by name", "view=all&q=Member+7"),
    ("Search: reporter by email", "view=all&q=member7@bench.example"),
]
# One report in five names a member, out of this many; each name is in 1 in 25,000 tickets.
REPORTED_NAMES = 5_000
REPORTED_SHARE = 0.2


LARGE_SIZE = 1_000_000
BATCH = 5_000


def load_tickets(size: int, rng: random.Random) -> str:
    """Bulk-insert `size` tickets with one reporter message each; returns one reference."""
    categories = list(db.session.scalars(select(Category.id)))
    members = create_bench_users(Role.MEMBER, 50, None)
    agents = list(db.session.scalars(select(User.id).where(User.role == Role.AGENT)))
    write = _copy_rows if db.engine.dialect.name == "postgresql" else _insert_rows
    # 40 random bits: one load of a million tickets in two would repeat a reference.
    references: set[str] = set()
    for start in range(0, size, BATCH):
        tickets, messages = [], []
        for _ in range(min(BATCH, size - start)):
            ticket, message = _ticket_rows(rng, categories, members, agents, references)
            tickets.append(ticket)
            messages.append(message)
        write(tickets, messages)
        db.session.commit()
        if (start + BATCH) % 100_000 == 0:
            progress(f"inbox: {start + BATCH:,} of {size:,} tickets loaded")
    if db.engine.dialect.name == "postgresql":
        # What autovacuum does for a live database: statistics, and the visibility map that
        # lets the capped counts read the index alone.
        with db.engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").execute(
                text("VACUUM ANALYZE")
            )
    return tickets[-1]["reference"]


def _ticket_rows(rng, categories, members, agents, references) -> tuple[dict, dict]:
    """One ticket and its first message, as column values (ticket_id left to the writer)."""
    created = utcnow() - timedelta(minutes=rng.randrange(2 * 365 * 24 * 60))
    while (reference := new_reference()) in references:
        pass
    references.add(reference)
    reported = _reported(rng)
    ticket = {
        **reported,
        "reference": reference,
        "reporter_id": rng.choice(members),
        "category_id": rng.choice(categories),
        "subject": rng.choice(SUBJECTS),
        "status": rng.choices(STATUSES, STATUS_WEIGHTS)[0].value,
        "priority": rng.choice(["low", "normal", "normal", "high"]),
        "source": "web",
        "assignee_id": rng.choice(agents) if rng.random() > 0.1 else None,
        "created_at": created,
        "last_activity_at": created + timedelta(hours=rng.randrange(72)),
        "version": 1,
    }
    ask = "an escrow deposit" if rng.random() < 0.01 else rng.choice(ASKS)
    message = {
        "author_id": ticket["reporter_id"],
        "kind": "reporter",
        "origin": "web",
        "body": BODY.format(day=created.date(), n=rng.randrange(1, 6), ask=ask),
        "created_at": created,
    }
    return ticket, message


def _reported(rng) -> dict:
    """The reported-member columns of one ticket, as open_ticket() fills them."""
    if rng.random() >= REPORTED_SHARE:
        return {"reported_member": None, "reported_key": None, "reported_letters": None}
    party = parse_reported_party(f"freelancer_{rng.randrange(REPORTED_NAMES):05d}")
    return {
        "reported_member": party.member,
        "reported_key": party.key,
        "reported_letters": party.letters,
    }


def _insert_rows(tickets: list[dict], messages: list[dict]) -> None:
    """Multi-row inserts; SQLite's FTS5 triggers index each row as it comes."""
    returning = insert(Ticket).returning(Ticket.id, sort_by_parameter_order=True)
    for ticket_id, message in zip(db.session.scalars(returning, tickets), messages, strict=True):
        message["ticket_id"] = ticket_id
    db.session.execute(insert(Message), messages)


def _copy_rows(tickets: list[dict], messages: list[dict]) -> None:
    """COPY in the session's transaction; PostgreSQL keeps the GIN expression indexes that
    search uses up to date as the rows arrive. Ticket ids come from the table's sequence."""
    connection = db.session.connection()
    ids = connection.scalars(
        text("SELECT nextval(pg_get_serial_sequence('tickets', 'id')) FROM generate_series(1, :n)"),
        {"n": len(tickets)},
    )
    for ticket_id, ticket, message in zip(ids, tickets, messages, strict=True):
        ticket["id"] = message["ticket_id"] = ticket_id
    cursor = connection.connection.driver_connection.cursor()
    for table, rows in (("tickets", tickets), ("messages", messages)):
        columns = list(rows[0])
        with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([row[column] for column in columns])


def measure(client, query: str, repeat: int) -> dict:
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(f"/agent/?{query}")
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (query, response.status_code)
    quantiles = statistics.quantiles(timings, n=20)
    return {"p50_ms": round(statistics.median(timings), 1), "p95_ms": round(quantiles[18], 1)}


def run_size(size: int, repeat: int, folder: str) -> dict:
    with scratch_database(f"helpdesk_bench_inbox_{size}", folder) as url:
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": url,
                "SECRET_KEY": "bench",
                "WTF_CSRF_ENABLED": False,
                "INSTANCE_PATH": folder,
                "HELPDESK_ATTACHMENT_DIR": f"{folder}/attachments",
            }
        )
        progress(f"inbox: loading {size:,} tickets into a scratch {engine_name(url)} database")
        with app.app_context():
            migrate_quietly()
            seed_default_categories()
            create_bench_users(Role.AGENT, 5, PASSWORD)
            db.session.commit()
            started = time.perf_counter()
            reference = load_tickets(size, random.Random(size))
            loaded_in = time.perf_counter() - started
        progress(f"inbox: {len(REQUESTS)} pages, {repeat} times each, at {size:,} tickets")
        client = app.test_client()
        client.post("/login", data={"email": "agent0@bench.example", "password": PASSWORD})
        results = {"load_seconds": round(loaded_in, 1)}
        for name, query in REQUESTS:
            filled = query.format(reference=reference, bare_reference=reference[3:].lower())
            results[name] = measure(client, filled, repeat)
        with app.app_context():
            db.engine.dispose()
    return results


def main() -> None:
    parser = argument_parser(__doc__)
    parser.add_argument("--sizes", default="1000,100000")
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    engine = "postgresql" if database_server() else "sqlite"
    skipped = None
    if parse_bool("BENCH_LARGE", os.environ.get("BENCH_LARGE", "")):
        if engine == "postgresql":
            sizes.append(LARGE_SIZE)
        else:
            skipped = "skipped: needs PostgreSQL (BENCH_DATABASE_URL or DATABASE_URL)"
            progress(f"inbox: BENCH_LARGE=1 {skipped}")
    by_size = {}
    with tempfile.TemporaryDirectory(prefix="helpdesk-inbox-bench-") as folder:
        for size in sizes:
            by_size[size] = run_size(size, args.repeat, folder)
    rows = table_rows(sizes, by_size)
    if skipped:
        rows.append((f"{LARGE_SIZE:,} tickets (BENCH_LARGE=1)", skipped, ""))
    rows.append(("peak memory: benchmark process (app in-process)", peak_rss_mib(), "MiB"))
    figures = {
        "settings": {**vars(args), "database": engine, "cpus": os.cpu_count()},
        "sizes": {str(size): figures for size, figures in by_size.items()},
    }
    report("inbox", figures, rows, show_table=not args.no_table)


def table_rows(sizes: list[int], by_size: dict) -> list:
    """Load times, then p50 / p95 of each page at each size (full request, in-process)."""
    rows = [(f"load {size:,} tickets", by_size[size]["load_seconds"], "s") for size in sizes]
    for name, _query in REQUESTS:
        for size in sizes:
            timing = by_size[size][name]
            rows.append((f"{name}, {size:,} tickets: p50 / p95", _pair(timing), "ms"))
    return rows


def _pair(timing: dict) -> str:
    return f"{timing['p50_ms']} / {timing['p95_ms']}"


if __name__ == "__main__":
    main()
