"""SQLite under 8 concurrent writer processes: no "database is locked", no lost or doubled rows."""

import os

import pytest

from bench import sqlite_concurrency

SECONDS = float(os.environ.get("CONCURRENCY_SECONDS", "20"))


@pytest.mark.slow
def test_eight_writer_processes_lose_nothing_and_never_see_a_locked_database(tmp_path):
    result = sqlite_concurrency.run(tmp_path / "writers.sqlite3", seconds=SECONDS, workers=8)
    sqlite_concurrency.print_report(result)
    acknowledged, rows = result["acknowledged"], result["rows"]

    assert acknowledged["locked"] == 0, acknowledged["error_samples"]
    assert acknowledged["errors"] == 0, acknowledged["error_samples"]
    # Every process got through whole cycles, so the counts below are not vacuous.
    assert acknowledged["cycles"] >= 8
    assert acknowledged["sessions_ended"] >= 8
    assert acknowledged["events_acknowledged"] >= 8 * sqlite_concurrency.EVENTS_PER_BATCH
    assert acknowledged["updates_not_applied"] == 0
    # Every acknowledged write is in the database exactly once.
    expected = sqlite_concurrency.expected_rows(acknowledged)
    assert {key: rows[key] for key in expected} == expected
