"""Inbox views and search at 1,000 and 100,000 tickets: p50/p95 of each page, in-process.

    python -m bench.inbox [--sizes 1000,100000] [--repeat 30]   (or: make bench)

Each size gets a fresh database: SQLite in a temporary folder, or, with BENCH_DATABASE_URL
(a PostgreSQL server URL), a scratch database on that server. Tickets are bulk-loaded with
realistic shapes (most closed, a few hundred open, one message each, a rare word in 1%),
then every inbox view is requested through the app as a logged-in agent.
"""

import argparse
import random
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import insert, select, text

from helpdesk import accounts, create_app
from helpdesk.categories import seed_default_categories
from helpdesk.database import db, utcnow
from helpdesk.inbox import VIEWS
from helpdesk.models import Category, Message, MessageKind, Role, Status, Ticket, User
from helpdesk.signing import new_reference

from .common import create_bench_users, migrate_quietly, save_results, scratch_database

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "bench password 1"
STATUS_SHARES = [
    (Status.NEW, 0.02),
    (Status.OPEN, 0.05),
    (Status.PENDING, 0.03),
    (Status.ON_HOLD, 0.02),
    (Status.SOLVED, 0.08),
    (Status.CLOSED, 0.80),
]
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
]


def load_tickets(size: int, rng: random.Random) -> str:
    """Bulk-insert `size` tickets with one reporter message each; returns one reference."""
    categories = list(db.session.scalars(select(Category.id)))
    members = [
        accounts.create_user(
            f"member{n}@bench.example",
            None,
            role=Role.MEMBER,
            display_name=f"Member {n}",
            actor=None,
        ).id
        for n in range(50)
    ]
    agents = list(db.session.scalars(select(User.id).where(User.role == Role.AGENT)))
    statuses, weights = zip(*STATUS_SHARES, strict=True)
    now = utcnow()
    batch = 5_000
    reference = None
    for start in range(0, size, batch):
        tickets, bodies = [], []
        for _ in range(min(batch, size - start)):
            status = rng.choices(statuses, weights)[0]
            created = now - timedelta(minutes=rng.randrange(2 * 365 * 24 * 60))
            reference = new_reference()
            tickets.append(
                {
                    "reference": reference,
                    "reporter_id": rng.choice(members),
                    "category_id": rng.choice(categories),
                    "subject": rng.choice(SUBJECTS),
                    "status": status,
                    "priority": rng.choice(["low", "normal", "normal", "high"]),
                    "source": "web",
                    "assignee_id": rng.choice(agents) if rng.random() > 0.1 else None,
                    "created_at": created,
                    "last_activity_at": created + timedelta(hours=rng.randrange(72)),
                    "version": 1,
                }
            )
            ask = "an escrow deposit" if rng.random() < 0.01 else rng.choice(ASKS)
            bodies.append(BODY.format(day=created.date(), n=rng.randrange(1, 6), ask=ask))
        ids = db.session.scalars(insert(Ticket).returning(Ticket.id), tickets).all()
        db.session.execute(
            insert(Message),
            [
                {
                    "ticket_id": ticket_id,
                    "author_id": row["reporter_id"],
                    "kind": MessageKind.REPORTER,
                    "origin": "web",
                    "body": body,
                    "created_at": row["created_at"],
                }
                for ticket_id, row, body in zip(ids, tickets, bodies, strict=True)
            ],
        )
        db.session.commit()
    if db.engine.dialect.name == "postgresql":
        # What autovacuum does for a live database: statistics, and the visibility map that
        # lets the capped counts read the index alone.
        with db.engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").execute(
                text("VACUUM ANALYZE")
            )
    return reference


def measure(client, query: str, repeat: int) -> dict:
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(f"/agent/?{query}")
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (query, response.status_code)
    quantiles = statistics.quantiles(timings, n=20)
    return {"p50_ms": round(statistics.median(timings), 1), "p95_ms": round(quantiles[18], 1)}


def run_size(size: int, repeat: int, folder: str) -> tuple[str, dict]:
    url = scratch_database(f"helpdesk_bench_inbox_{size}", folder)
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "bench",
            "WTF_CSRF_ENABLED": False,
            "INSTANCE_PATH": folder,
            "HELPDESK_ATTACHMENT_DIR": f"{folder}/attachments",
        }
    )
    with app.app_context():
        migrate_quietly()
        seed_default_categories()
        create_bench_users(Role.AGENT, 5, PASSWORD)
        db.session.commit()
        started = time.perf_counter()
        reference = load_tickets(size, random.Random(size))
        loaded_in = time.perf_counter() - started
    client = app.test_client()
    client.post("/login", data={"email": "agent0@bench.example", "password": PASSWORD})
    results = {"load_seconds": round(loaded_in, 1)}
    for name, query in REQUESTS:
        results[name] = measure(client, query.format(reference=reference), repeat)
    with app.app_context():
        db.engine.dispose()
    return url.split(":", 1)[0].split("+")[0], results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,100000")
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    by_size = {}
    with tempfile.TemporaryDirectory(prefix="helpdesk-inbox-bench-") as folder:
        for size in sizes:
            engine, by_size[size] = run_size(size, args.repeat, folder)
    print_table(engine, sizes, by_size)
    save_results(f"inbox_{engine}", {str(size): figures for size, figures in by_size.items()})


def print_table(engine: str, sizes: list[int], by_size: dict) -> None:
    print(
        f"\nInbox pages (full request, in-process), {engine}; load times: "
        + ", ".join(f"{size:,} tickets {by_size[size]['load_seconds']} s" for size in sizes)
    )
    header = f"{'page':<28}" + "".join(f"{f'{size:,} p50':>14}{'p95':>8}" for size in sizes)
    if len(sizes) > 1:
        header += f"{'p95 ratio':>11}"
    print(header)
    print("-" * len(header))
    for name, _query in REQUESTS:
        row = f"{name:<28}"
        for size in sizes:
            row += f"{by_size[size][name]['p50_ms']:>14}{by_size[size][name]['p95_ms']:>8}"
        if len(sizes) > 1:
            first, last = by_size[sizes[0]][name]["p95_ms"], by_size[sizes[-1]][name]["p95_ms"]
            row += f"{last / first:>10.2f}x"
        print(row)


if __name__ == "__main__":
    main()
