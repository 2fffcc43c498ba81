"""Benchmark: rows per second of ``novel-pyramid db copy`` for a 10,000-row history table.

Run by hand against a PostgreSQL server you may create databases on:

    .venv/bin/python bench/db_copy.py [--server postgresql://postgres@127.0.0.1:5432/postgres]
                                      [--history-rows 10000] [--batch-size 1000] [--runs 3]

Each run builds a legacy SQLite file of the Flask version (tests/migrations/legacy_db.py; docs/upgrading.md),
creates a throwaway database ``novel_bench_<random>``, copies into it, and drops it.
It prints, per run, the history table's copy rate (inserts only) and the whole
command's rate (snapshot, migrations of both sides, copy and verification).
"""

import argparse
import statistics
import sys
import tempfile
import uuid
from pathlib import Path

from sqlalchemy import create_engine, pool, text
from sqlalchemy.engine import make_url

REPOSITORY = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPOSITORY))

from novel_pyramid.db.copy import CopyOptions, copy_database  # noqa: E402
from novel_pyramid.db.urls import with_installed_driver  # noqa: E402
from tests.migrations.legacy_db import build_legacy_sqlite  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--history-rows", type=int, default=10_000)
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    arguments = parser.parse_args()

    history_rates, overall_rates = [], []
    with tempfile.TemporaryDirectory() as directory:
        source = Path(directory) / "legacy.sqlite"
        build_legacy_sqlite(str(source), history_count=arguments.history_rows)
        for run in range(1, arguments.runs + 1):
            report = _copy_once(arguments, f"sqlite:///{source}")
            history = next(result for result in report.tables if result.name == "history")
            history_rate = history.rows / history.seconds
            overall_rate = report.rows / report.seconds
            history_rates.append(history_rate)
            overall_rates.append(overall_rate)
            print(
                f"run {run}: history {history.rows} rows in {history.seconds:.2f} s = "
                f"{history_rate:,.0f} rows/s; whole command {report.rows} rows in "
                f"{report.seconds:.2f} s = {overall_rate:,.0f} rows/s; verified={report.verified}"
            )
    print(
        f"median: history table {statistics.median(history_rates):,.0f} rows/s, "
        f"whole command {statistics.median(overall_rates):,.0f} rows/s "
        f"(batch size {arguments.batch_size})"
    )


def _copy_once(arguments, source_url):
    name = f"novel_bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(
        with_installed_driver(arguments.server),
        poolclass=pool.NullPool,
        isolation_level="AUTOCOMMIT",
    )
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    target = make_url(arguments.server).set(database=name).render_as_string(hide_password=False)
    try:
        options = CopyOptions(batch_size=arguments.batch_size)
        return copy_database(source_url, target, options, note=lambda message: None)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
