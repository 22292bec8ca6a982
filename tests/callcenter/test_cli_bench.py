"""End to end: ``callcenter bench curtois`` as a user runs it.

Runs the installed ``callcenter`` console script once ``callcenter.cli`` registers the bench
commands; until then the same command through ``commands_bench.register`` on a fresh app.
The instance files live in ``../shared/benchmarks/curtois`` (a missing folder fails the test).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import typer.main

from scheduler import curtois_evaluate, load_curtois, parse_curtois_solution

CLI = str(Path(sys.executable).with_name("callcenter"))
SHIM = ("import typer; from callcenter.commands_bench import register; "
        "app = typer.Typer(); register(app); app()")
CURTOIS = Path(__file__).resolve().parents[2].parent / "shared" / "benchmarks" / "curtois"


def _registered() -> bool:
    from callcenter.cli import app

    return "bench" in getattr(typer.main.get_command(app), "commands", {})


COMMAND = [CLI] if _registered() else [sys.executable, "-c", SHIM]


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*COMMAND, "bench", "curtois", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=180, check=False)


def test_instance1_prints_one_checked_json_line_and_writes_the_solution(tmp_path: Path) -> None:
    instance_file = CURTOIS / "Instance1.txt"
    assert instance_file.is_file(), f"the Curtois instances are missing: {CURTOIS}"
    out = tmp_path / "instance1.csv"
    result = run([str(instance_file), "--time-limit", "30", "--workers", "1",
                  "--solution-out", str(out)], tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 1, result.stdout
    record = json.loads(lines[0])
    assert list(record) == ["instance", "status", "objective", "bound", "seconds"]
    assert record["instance"] == "Instance1"
    assert (record["status"], record["objective"], record["bound"]) == ("OPTIMAL", 607, 607)
    assert isinstance(record["seconds"], float) and 0 < record["seconds"] < 30
    instance = load_curtois(instance_file)
    grid = parse_curtois_solution(instance, out.read_text(encoding="utf-8"))
    score = curtois_evaluate(instance, grid)
    assert score.feasible and score.objective == 607
    assert [line.split(",")[0] for line in out.read_text().splitlines()] == list(
        instance.staff_ids)


def test_a_malformed_instance_exits_2_naming_section_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_text("SECTION_HORIZON\n14\nSECTION_SHIFTS\nD,480,\nSECTION_STAFF\n"
                   "A,D=14,4320,3360,5,2,2\n", encoding="utf-8")
    out = tmp_path / "never.csv"
    result = run([str(bad), "--time-limit", "5", "--workers", "1", "--solution-out", str(out)],
                 tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    assert "bad.txt" in result.stderr
    assert "SECTION_STAFF line 6: expected 8 comma-separated fields" in result.stderr
    assert not out.exists()


def test_a_missing_instance_file_exits_2(tmp_path: Path) -> None:
    result = run([str(tmp_path / "nope.txt")], tmp_path)
    assert result.returncode == 2
    assert "cannot read the file" in result.stderr
