"""End to end: ``callcenter forecast`` and ``callcenter staffing`` from files, no database."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from data.demo_centre import build_demo_centre
from tests.factories import write_csv

CLI = str(Path(sys.executable).with_name("callcenter"))
STAFFING_COLUMNS = ["interval_start", "calls", "aht_seconds", "agents", "scheduled_agents",
                    "service_level", "asa_seconds", "occupancy", "abandon_rate"]
HEADER = ["interval_start", "calls", "aht_seconds"]


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    # A database URL that cannot be opened: these commands must not need one.
    env = {**os.environ, "CALLCENTER_DATABASE_URL": f"sqlite:///{cwd}/no/such/dir/x.db"}
    return subprocess.run([CLI, *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=120, check=False)


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


STAFF = ["staffing", "--service-level", "0.8", "--answer-seconds", "20"]


def test_staffing_reference_case_to_stdout_and_to_a_file(tmp_path: Path) -> None:
    volumes = write_csv(tmp_path / "v.csv", HEADER,
                        [["2026-11-30T08:00", 100, 180], ["2026-11-30T08:30", 0, 180]])
    result = run([*STAFF, "--volumes", str(volumes), "--shrinkage", "0.3"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == ",".join(STAFFING_COLUMNS)
    busy, quiet = rows(result.stdout)
    assert busy == {"interval_start": "2026-11-30T08:00", "calls": "100", "aht_seconds": "180",
                    "agents": "14", "scheduled_agents": "20", "service_level": "0.8884",
                    "asa_seconds": "7.84", "occupancy": "0.7143", "abandon_rate": ""}
    assert quiet["agents"] == "0" and quiet["scheduled_agents"] == "0"

    out = tmp_path / "out" / "staffing.csv"
    written = run([*STAFF, "--volumes", str(volumes), "--shrinkage", "0.3", "--out", str(out)],
                  tmp_path)
    assert written.returncode == 0, written.stderr
    assert out.read_text(encoding="utf-8") == result.stdout
    assert "peak 14 agents (20 scheduled)" in written.stdout


def test_staffing_aht_option_and_erlang_a(tmp_path: Path) -> None:
    volumes = write_csv(tmp_path / "v.csv", ["interval_start", "calls"],
                        [["2026-11-30T08:00", 100]])
    result = run([*STAFF, "--volumes", str(volumes), "--aht-seconds", "180",
                  "--patience-seconds", "300"], tmp_path)
    assert result.returncode == 0, result.stderr
    (row,) = rows(result.stdout)
    assert row["aht_seconds"] == "180" and row["agents"] == "13"
    assert float(row["service_level"]) == pytest.approx(0.858, abs=0.002)
    assert float(row["abandon_rate"]) == pytest.approx(0.025, abs=0.002)


def test_staffing_bad_rows_exit_2_naming_row_and_column_and_write_nothing(
    tmp_path: Path,
) -> None:
    volumes = write_csv(tmp_path / "bad.csv", HEADER, [
        ["2026-11-30T08:00", 100, 180],
        ["2026-11-30T08:30", -3, 180],
        ["2026-11-30T09:00", 10, ""],
    ])
    out = tmp_path / "staffing.csv"
    result = run([*STAFF, "--volumes", str(volumes), "--out", str(out)], tmp_path)
    assert result.returncode == 2
    assert "bad.csv: line 3: calls='-3': must be >= 0" in result.stderr
    assert "bad.csv: line 4: aht_seconds=''" in result.stderr
    assert not out.exists()
    out.write_text("previous\n", encoding="utf-8")
    assert run([*STAFF, "--volumes", str(volumes), "--out", str(out)], tmp_path).returncode == 2
    assert out.read_text(encoding="utf-8") == "previous\n"
    assert [p.name for p in tmp_path.iterdir() if p.suffix == ".tmp"] == []


def test_staffing_refusals(tmp_path: Path) -> None:
    no_aht = write_csv(tmp_path / "no_aht.csv", ["interval_start", "calls"],
                       [["2026-11-30T08:00", 100]])
    missing = run([*STAFF, "--volumes", str(no_aht)], tmp_path)
    assert missing.returncode == 2
    assert "aht_seconds" in missing.stderr and "--aht-seconds" in missing.stderr

    no_calls = write_csv(tmp_path / "no_calls.csv", ["interval_start", "volume"],
                         [["2026-11-30T08:00", 100]])
    column = run([*STAFF, "--volumes", str(no_calls), "--aht-seconds", "180"], tmp_path)
    assert column.returncode == 2 and "calls" in column.stderr and "missing" in column.stderr

    volumes = write_csv(tmp_path / "v.csv", HEADER,
                        [["2026-11-30T08:00", 0, 180], ["2026-11-30T08:30", 40, 180]])
    unreachable = run(["staffing", "--volumes", str(volumes), "--service-level", "1",
                       "--answer-seconds", "20"], tmp_path)
    assert unreachable.returncode == 2
    assert "line 3" in unreachable.stderr and "2026-11-30T08:30" in unreachable.stderr

    options = run(["staffing", "--volumes", str(volumes), "--service-level", "80",
                   "--answer-seconds", "20", "--shrinkage", "0.3x"], tmp_path)
    assert options.returncode == 2
    assert "--service-level" in options.stderr and "--shrinkage" in options.stderr


@pytest.fixture(scope="module")
def demo_history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo centre's 12 weeks of half-hourly history as a volumes CSV."""
    demo = build_demo_centre(dt.date(2026, 11, 25))
    path = tmp_path_factory.mktemp("demo") / "volumes.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=HEADER)
        writer.writeheader()
        writer.writerows(demo.volumes)
    return path


def test_forecast_with_backtest_beats_seasonal_naive_on_the_demo_history(
    demo_history: Path, tmp_path: Path
) -> None:
    out = tmp_path / "forecast.csv"
    result = run(["forecast", "--history", str(demo_history), "--start", "2026-11-30",
                  "--days", "7", "--backtest-weeks", "4", "--out", str(out)], tmp_path)
    assert result.returncode == 0, result.stderr
    found = re.search(r"overall: forecaster wMAPE ([\d.]+) %, seasonal-naive wMAPE ([\d.]+) %",
                      result.stdout)
    assert found, result.stdout
    forecaster, naive = float(found[1]), float(found[2])
    assert 0 < forecaster < naive
    assert result.stdout.count("week of") == 4
    table = rows(out.read_text(encoding="utf-8"))
    assert len(table) == 7 * 48 and list(table[0]) == HEADER
    assert table[0]["interval_start"] == "2026-11-30T00:00"
    assert table[-1]["interval_start"] == "2026-12-06T23:30"
    assert all(float(r["calls"]) >= 0 and float(r["aht_seconds"]) > 0 for r in table)

    # The forecast feeds `callcenter staffing` as it is.
    staffing = run([*STAFF, "--volumes", str(out), "--shrinkage", "0.3"], tmp_path)
    assert staffing.returncode == 0, staffing.stderr
    assert len(rows(staffing.stdout)) == 7 * 48


def test_forecast_to_stdout_keeps_the_backtest_on_stderr(
    demo_history: Path, tmp_path: Path
) -> None:
    result = run(["forecast", "--history", str(demo_history), "--start", "2026-11-30",
                  "--days", "1", "--backtest-weeks", "2", "--holidays", "none"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == ",".join(HEADER)
    assert len(rows(result.stdout)) == 48
    assert "seasonal-naive" in result.stderr and "seasonal-naive" not in result.stdout


def test_forecast_refusals_exit_2_and_write_nothing(demo_history: Path, tmp_path: Path) -> None:
    out = tmp_path / "forecast.csv"
    overlap = run(["forecast", "--history", str(demo_history), "--start", "2026-11-01",
                   "--days", "7", "--out", str(out)], tmp_path)
    assert overlap.returncode == 2 and "after the last day of history" in overlap.stderr
    bad = write_csv(tmp_path / "history.csv", HEADER,
                    [["2026-11-30T08:00", 5, 200], ["2026-11-30T08:30", "five", 200]])
    broken = run(["forecast", "--history", str(bad), "--start", "2026-12-07", "--days", "7",
                  "--out", str(out)], tmp_path)
    assert broken.returncode == 2
    assert "history.csv: line 3: calls='five'" in broken.stderr
    date = run(["forecast", "--history", str(bad), "--start", "2026-12-32", "--days", "7"],
               tmp_path)
    assert date.returncode == 2 and "--start" in date.stderr
    holidays = run(["forecast", "--history", str(demo_history), "--start", "2026-11-30",
                    "--days", "7", "--holidays", "XX"], tmp_path)
    assert holidays.returncode == 2 and "--holidays" in holidays.stderr
    assert not out.exists()
