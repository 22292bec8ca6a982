"""End to end: ``callcenter roster solve`` and ``callcenter roster check`` as a user runs them.

Runs the installed ``callcenter`` console script once ``callcenter.cli`` registers the roster
commands; until then the same commands through ``commands_roster.register`` on a fresh app.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import typer.main

from scheduler import load_roster
from tests.scheduler.factories import SHIFT_TYPES, START, agent, day

CLI = str(Path(sys.executable).with_name("callcenter"))
SHIM = ("import typer; from callcenter.commands_roster import register; "
        "app = typer.Typer(); register(app); app()")


def _registered() -> bool:
    from callcenter.cli import app

    return "roster" in getattr(typer.main.get_command(app), "commands", {})


COMMAND = [CLI] if _registered() else [sys.executable, "-c", SHIM]


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*COMMAND, *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120, check=False)


def write_problem(path: Path, **fields: Any) -> Path:
    data: dict[str, Any] = {
        "name": "cli",
        "start_date": START.isoformat(),
        "days": 7,
        "shift_types": SHIFT_TYPES,
        "agents": [agent("A1", contract={"weekly_minutes": 1920, "averaging_weeks": 1}),
                   agent("A2")],
        "demand": [{"start": f"{day(d)}T{h:02d}:00", "agents": 1, "weight_under": 5}
                   for d in range(7) for h in range(9, 17)],
    }
    data.update(fields)
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_solve_writes_a_checked_roster_and_check_accepts_it(tmp_path: Path) -> None:
    problem = write_problem(tmp_path / "problem.json")
    out = tmp_path / "roster.json"
    result = run(["roster", "solve", str(problem), "--out", str(out), "--time-limit", "5",
                  "--workers", "2"], tmp_path)
    assert result.returncode == 0, result.stderr
    for word in ("objective", "bound", "gap", " s"):
        assert word in result.stdout
    assert result.stdout.split()[0] in ("OPTIMAL", "FEASIBLE")
    roster = load_roster(out)
    assert roster.problem == "cli" and roster.assignments
    checked = run(["roster", "check", str(problem), str(out)], tmp_path)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "0 hard violations" in checked.stdout
    as_json = run(["roster", "check", str(problem), str(out), "--json"], tmp_path)
    report = json.loads(as_json.stdout)
    assert report["ok"] and report["objective_matches"]
    assert report["objective"] == roster.objective


def test_check_exits_1_on_a_broken_roster(tmp_path: Path) -> None:
    problem = write_problem(tmp_path / "problem.json")
    out = tmp_path / "roster.json"
    assert run(["roster", "solve", str(problem), "--out", str(out), "--time-limit", "5"],
               tmp_path).returncode == 0
    data = json.loads(out.read_text())
    data["assignments"][0]["breaks"] = []  # art. 32 broken (long shift without breaks)
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps(data))
    result = run(["roster", "check", str(problem), str(broken)], tmp_path)
    assert result.returncode == 1
    assert "art. 32 breaks" in result.stdout
    data = json.loads(out.read_text())
    data["objective"] += 1
    wrong = tmp_path / "wrong.json"
    wrong.write_text(json.dumps(data))
    result = run(["roster", "check", str(problem), str(wrong)], tmp_path)
    assert result.returncode == 1 and "differs from" in result.stdout


def test_bad_problem_exits_2_naming_the_json_path(tmp_path: Path) -> None:
    problem = write_problem(tmp_path / "problem.json",
                            agents=[agent("A1", contract={"weekly_minutes": -5})])
    out = tmp_path / "roster.json"
    result = run(["roster", "solve", str(problem), "--out", str(out)], tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("error: ")
    assert "agents[0].contract.weekly_minutes" in result.stderr and "problem.json" in result.stderr
    assert not out.exists()
    bad_json = tmp_path / "bad.json"
    bad_json.write_text("{not json")
    result = run(["roster", "check", str(bad_json), str(out)], tmp_path)
    assert result.returncode == 2 and "invalid JSON" in result.stderr


def test_art_40_conflict_exits_2_naming_day_and_agents(tmp_path: Path) -> None:
    leave = [{"date": day(3), "kind": "annual"}]
    problem = write_problem(tmp_path / "problem.json",
                            agents=[agent("A003", leave=leave), agent("A044", leave=leave)])
    out = tmp_path / "roster.json"
    result = run(["roster", "solve", str(problem), "--out", str(out)], tmp_path)
    assert result.returncode == 2
    assert "art. 40: 2026-12-03: annual leave of A003 and A044" in result.stderr
    assert not out.exists()


def test_infeasible_problem_exits_2_with_reasons(tmp_path: Path) -> None:
    problem = write_problem(tmp_path / "problem.json", agents=[
        agent("A017", contract={"weekly_minutes": 2300, "averaging_weeks": 1})])
    out = tmp_path / "roster.json"
    result = run(["roster", "solve", str(problem), "--out", str(out), "--time-limit", "5"],
                 tmp_path)
    assert result.returncode == 2
    assert "infeasible" in result.stderr
    assert "A017: 2,300 weekly minutes cannot be reached" in result.stderr
    assert not out.exists()
