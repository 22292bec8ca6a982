"""End to end: the installed ``callcenter`` command against a real database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func
from sqlmodel import Session, select

from callcenter.db import make_engine
from callcenter.models import Agent, CallVolume, QuarterlyKpi, ScoringEvent
from tests.factories import AGENT_HEADER, write_csv

CLI = str(Path(sys.executable).with_name("callcenter"))


def run(args: list[str], database_url: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CALLCENTER_DATABASE_URL": database_url}
    return subprocess.run([CLI, *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=300, check=False)


def quick_demo(database_url: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """The demo without its roster stage (tests of other stages need no solve)."""
    return run(["demo", "--as-of", "2026-11-25", "--out", str(tmp_path / "r"),
                "--roster-seconds", "0"], database_url, tmp_path)


def counts(database_url: str) -> dict[str, int]:
    engine = make_engine(database_url)
    with Session(engine) as session:
        result = {m.__name__: int(session.exec(select(func.count()).select_from(m)).one())
                  for m in (Agent, CallVolume, QuarterlyKpi, ScoringEvent)}
    engine.dispose()
    return result


def test_demo_builds_the_centre_and_prints_a_summary(database_url: str, tmp_path: Path) -> None:
    out = tmp_path / "report"
    first = run(["demo", "--as-of", "2026-11-25", "--out", str(out), "--roster-seconds", "60"],
                database_url, tmp_path)
    assert first.returncode == 0, first.stderr
    assert "120 in 4 teams" in first.stdout
    assert "4032 half-hours" in first.stdout
    after_first = counts(database_url)
    assert after_first["Agent"] == 120 and after_first["CallVolume"] == 4032
    summary = json.loads((out / "summary.json").read_text())
    assert summary["agents"] == 120 and summary["kpi_quarter"] == "2026 Q3"
    assert (out / "input" / "volumes.csv").read_text().startswith("interval_start,calls")
    # the roster stage: solved, checked by the independent checker, stored as a draft
    assert "Check      independent checker: 0 hard violations, objective matches" in first.stdout
    grid = (out / "roster_grid.csv").read_text().splitlines()
    assert len(grid) == 121 and grid[0].startswith("agent,team,2026-11-30,")
    checked = run(["roster", "check", str(out / "problem.json"), str(out / "roster.json")],
                  database_url, tmp_path)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    page = (out / "roster.html").read_text()
    assert page.count("<svg") == 1 and "Penalty breakdown" in page
    second = run(["demo", "--as-of", "2026-11-25", "--out", str(out)], database_url, tmp_path)
    assert second.returncode == 0, second.stderr
    assert "(stored earlier)" in second.stdout
    assert counts(database_url) == after_first


def test_import_bad_file_exits_2_naming_rows_and_writes_nothing(database_url: str,
                                                                tmp_path: Path) -> None:
    assert run(["centre", "create", "C1", "--name", "Site"], database_url, tmp_path).returncode == 0
    assert run(["team", "create", "T1", "--name", "One"], database_url, tmp_path).returncode == 0
    bad = write_csv(tmp_path / "agents.csv", AGENT_HEADER, [
        ["A001", "Wang", "T1", "2020-01-01", "2019-01-01", 2400, "true"],
        ["A002", "Li", "T1", "2020-02-31", "2019-01-01", 2400, "true"],
        ["A003", "Zhao", "T7", "2020-01-01", "2019-01-01", 2400, "true"],
        ["A001", "Wang", "T1", "2020-01-01", "2019-01-01", 2400, "true"],
        ["A004", "Sun", "T1", "2020-01-01", "2019-01-01", -1, "true"],
    ])
    result = run(["import", "agents", str(bad)], database_url, tmp_path)
    assert result.returncode == 2
    for needle in ("line 3", "line 4", "line 5", "line 6", "agents.csv", "nothing written"):
        assert needle in result.stderr
    assert counts(database_url)["Agent"] == 0
    good = write_csv(tmp_path / "good.csv", AGENT_HEADER, [
        ["A001", "Wang", "T1", "2020-01-01", "2019-01-01", 2400, "true"]])
    assert "1 inserted" in run(["import", "agents", str(good)], database_url, tmp_path).stdout
    assert "1 unchanged" in run(["import", "agents", str(good)], database_url, tmp_path).stdout
    assert counts(database_url)["Agent"] == 1


def test_db_commands_report_the_revision(empty_database_url: str, tmp_path: Path) -> None:
    assert "empty" in run(["db", "current"], empty_database_url, tmp_path).stdout
    assert "revision 0002" in run(["db", "upgrade"], empty_database_url, tmp_path).stdout
    assert "revision None" in run(["db", "downgrade", "base"], empty_database_url,
                                  tmp_path).stdout


def test_score_quarter_and_year_write_csv_and_xlsx(database_url: str, tmp_path: Path) -> None:
    assert quick_demo(database_url, tmp_path).returncode == 0
    assert (tmp_path / "r" / "scores.html").read_text().count("<svg") == 1
    csv_out = tmp_path / "q3.csv"
    result = run(["score", "quarter", "--year", "2026", "--quarter", "3", "--out", str(csv_out)],
                 database_url, tmp_path)
    assert result.returncode == 0, result.stderr
    lines = csv_out.read_text().splitlines()
    assert lines[0] == ("agent_id,year,quarter,base_score,reward_points,penalty_points,"
                        "final_score,zeroed,failed,disqualified_annual,termination_review,"
                        "standby_training,explanation")
    assert len(lines) == 121
    xlsx = tmp_path / "q3.xlsx"
    assert run(["score", "quarter", "--year", "2026", "--quarter", "3", "--out", str(xlsx)],
               database_url, tmp_path).returncode == 0
    from openpyxl import load_workbook

    sheet = load_workbook(xlsx).active
    assert sheet is not None and sheet.max_row == 121 and sheet["A1"].value == "agent_id"
    year = run(["score", "year", "--year", "2026"], database_url, tmp_path)
    assert year.returncode == 0, year.stderr
    rows = year.stdout.splitlines()
    assert rows[0].startswith("agent_id,year,quarters_scored,mean_final_score")
    assert sum(",true,false," in r or ",true,true," in r for r in rows[1:]) >= 3


def test_event_add_refuses_unknown_code_and_delete_needs_a_reason(database_url: str,
                                                                  tmp_path: Path) -> None:
    assert quick_demo(database_url, tmp_path).returncode == 0
    bad = run(["event", "add", "X1", "--agent", "A001", "--date", "2026-08-01", "--code", "P99"],
              database_url, tmp_path)
    assert bad.returncode == 2 and "unknown code" in bad.stderr
    good = run(["event", "add", "X1", "--agent", "A001", "--date", "2026-08-01", "--code", "P7",
                "--actor", "hr.li"], database_url, tmp_path)
    assert good.returncode == 0, good.stderr
    no_reason = run(["event", "delete", "X1"], database_url, tmp_path)
    assert no_reason.returncode == 2
    assert run(["event", "delete", "X1", "--reason", "duplicate"], database_url,
               tmp_path).returncode == 0
    missing = run(["score", "year", "--year", "2019"], database_url, tmp_path)
    assert missing.returncode == 2 and "no quarterly scores" in missing.stderr


def test_leave_workflow_from_the_command_line(database_url: str, tmp_path: Path) -> None:
    assert quick_demo(database_url, tmp_path).returncode == 0
    import datetime as dt

    start = (dt.date.today() + dt.timedelta(days=40)).isoformat()
    first = run(["leave", "request", "--agent", "A001", "--kind", "annual", "--start", start],
                database_url, tmp_path)
    assert first.returncode == 0, first.stderr
    second = run(["leave", "request", "--agent", "A002", "--kind", "annual", "--start", start],
                 database_url, tmp_path)
    assert second.returncode == 0, second.stderr
    assert "approved" in run(["leave", "decide", "1", "--approve", "--actor", "sup.wang"],
                             database_url, tmp_path).stdout
    refused = run(["leave", "decide", "2", "--approve"], database_url, tmp_path)
    assert refused.returncode == 2 and "art. 40:" in refused.stderr
    late = run(["leave", "request", "--agent", "A003", "--kind", "annual",
                "--start", dt.date.today().isoformat()], database_url, tmp_path)
    assert late.returncode == 2 and "art. 39:" in late.stderr
    listing = run(["leave", "list", "--status", "approved"], database_url, tmp_path).stdout
    assert listing.splitlines()[0].split("\t")[:3] == ["1", "A001", "annual"]
    no_roster = run(["swap", "request", "--agent", "A001", "--partner", "A002",
                     "--date", start], database_url, tmp_path)
    assert no_roster.returncode == 2 and "no published roster" in no_roster.stderr


def test_absence_becomes_proposed_events_that_hr_confirms(database_url: str,
                                                          tmp_path: Path) -> None:
    assert quick_demo(database_url, tmp_path).returncode == 0
    for day in ("2026-11-02", "2026-11-03"):
        assert run(["attendance", "record", "--agent", "A005", "--date", day, "--status",
                    "absent"], database_url, tmp_path).returncode == 0
    proposed = run(["attendance", "evaluate", "--month", "2026-11"], database_url, tmp_path)
    assert proposed.returncode == 0, proposed.stderr
    assert "ABS-A005-2026-11-02-S6: S6" in proposed.stdout and "3 event(s)" in proposed.stdout
    assert run(["event", "confirm", "ABS-A005-2026-11-02-S6"], database_url,
               tmp_path).returncode == 0
    again = run(["event", "confirm", "ABS-A005-2026-11-02-S6"], database_url, tmp_path)
    assert again.returncode == 2 and "only proposed" in again.stderr
