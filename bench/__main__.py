"""Every benchmark, one after another, then one table of all their figures.

    python -m bench   (or: make bench)

Each benchmark runs in its own process (so each process's peak memory is its own) and prints
progress lines; its figures and rows go to bench/results.json, which this run starts afresh.
The table at the end holds every row, with the total time.

Environment: BENCH_DATABASE_URL, or else a PostgreSQL DATABASE_URL, puts the scratch databases
on that PostgreSQL server (see bench/common.py); SQLite otherwise. BENCH_LARGE=1 adds the
inbox at 1,000,000 tickets (PostgreSQL only).
"""

import os
import subprocess
import sys
import time

from .common import (
    RESULTS,
    ROOT,
    database_server,
    load_results,
    print_table,
    progress,
    report,
)

BENCHMARKS = ("submissions", "inbox", "reports", "outbox", "intake")


def main() -> None:
    RESULTS.unlink(missing_ok=True)
    engine = "postgresql" if database_server() else "sqlite"
    progress(f"bench: {', '.join(BENCHMARKS)} on {engine}, {os.cpu_count()} CPUs")
    started = time.monotonic()
    failed = []
    for name in BENCHMARKS:
        command = [sys.executable, "-m", f"bench.{name}", "--no-table"]
        if subprocess.run(command, cwd=ROOT).returncode:
            failed.append(name)
            progress(f"bench: {name} failed; its figures are missing below")
    total = round(time.monotonic() - started)
    rows = [("all benchmarks, one after another", total, "s")]
    report("total", {"seconds": total, "database": engine}, rows, show_table=False)
    rows = [(key, *row) for key, figures in load_results().items() for row in figures["table"]]
    print_table(rows)
    if failed:
        sys.exit(f"failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
