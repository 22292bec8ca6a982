"""``callcenter staffing`` runs without Typer when its options are the usual ones.

The fast path (``callcenter.entry``) must behave exactly like the Typer command: same exit
code, same stdout and stderr, same file, and it must hand anything unusual to Typer.
"""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import typer
from hypothesis import given, settings, strategies as st

from callcenter.commands_demand import register
from callcenter.entry import (
    STAFFING_FLOATS,
    STAFFING_PATHS,
    STAFFING_REQUIRED,
    STAFFING_TEXTS,
    fast_staffing_options,
)
from callcenter.volumes import (
    STAFFING_COLUMNS,
    StaffingOptions,
    _parse_rows,
    _split_plain,
    csv_text,
    read_volumes,
    staff_volumes,
    staffing_cells,
    staffing_csv,
    targets_from_options,
)
from tests.factories import write_csv

CLI = str(Path(sys.executable).with_name("callcenter"))
TYPER = "from callcenter.cli import main; main()"
HEADER = ["interval_start", "calls", "aht_seconds"]


def _run(argv: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CALLCENTER_DATABASE_URL": f"sqlite:///{cwd}/no/such/dir/x.db"}
    return subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=120,
                          check=False)


@pytest.fixture(scope="module")
def volumes(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("volumes")
    write_csv(folder / "good.csv", HEADER, [
        ["2026-11-30T08:00", 100, 180], ["2026-11-30T08:30", 0, 180],
        ["2026-11-30T09:00", 250.5, 212.25], ["2026-11-30T09:30+08:00", 3, ""],
    ])
    write_csv(folder / "bad.csv", HEADER, [
        ["2026-11-30T08:00", 100, 180], ["2026-11-30T08:30", -3, 180], ["noon", 10, "x"],
    ])
    return folder


CASES = {
    "reference case to stdout": ["--volumes", "good.csv", "--service-level", "0.8",
                                 "--answer-seconds", "20", "--shrinkage", "0.3",
                                 "--aht-seconds", "180"],
    "to a file, = forms": ["--volumes=good.csv", "--service-level=0.9", "--answer-seconds=10",
                           "--max-occupancy=0.85", "--aht-seconds=200", "--out=out/s.csv"],
    "erlang a with an asa cap": ["--volumes", "good.csv", "--service-level", "0.8",
                                 "--answer-seconds", "20", "--aht-seconds", "180",
                                 "--patience-seconds", "300", "--max-asa-seconds", "15",
                                 "--interval-minutes", "15", "--out", "a.csv"],
    "bad rows": ["--volumes", "bad.csv", "--service-level", "0.8", "--answer-seconds", "20",
                 "--out", "never.csv"],
    "bad options": ["--volumes", "good.csv", "--service-level", "80", "--answer-seconds",
                    "-1", "--shrinkage", "1.5", "--interval-minutes", "0"],
    "missing file": ["--volumes", "nope.csv", "--service-level", "0.8",
                     "--answer-seconds", "20"],
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_fast_path_behaves_exactly_like_the_typer_command(
    name: str, volumes: Path, tmp_path: Path
) -> None:
    args = CASES[name]
    assert fast_staffing_options(args) is not None  # this case takes the fast path
    results = {}
    for how, argv in (("fast", [CLI, "staffing", *args]),
                      ("typer", [sys.executable, "-c", TYPER, "staffing", *args])):
        folder = tmp_path / how
        folder.mkdir()
        for source in volumes.iterdir():
            (folder / source.name).write_bytes(source.read_bytes())
        done = _run(argv, folder)
        files = {
            str(path.relative_to(folder)): path.read_bytes()
            for path in sorted(folder.rglob("*")) if path.is_file()
        }
        results[how] = (done.returncode, done.stdout, done.stderr, files)
    assert results["fast"] == results["typer"]


def test_the_fast_path_imports_neither_typer_nor_the_database_nor_pandas(
    volumes: Path,
) -> None:
    code = (
        "import sys\n"
        "sys.argv = ['callcenter', 'staffing', '--volumes', 'good.csv', '--service-level',"
        " '0.8', '--answer-seconds', '20', '--aht-seconds', '180', '--out', 'x.csv']\n"
        "from callcenter.entry import main\n"
        "try:\n    main()\nexcept SystemExit as done:\n    assert done.code == 0, done.code\n"
        "print(sorted(m for m in ('typer', 'click', 'sqlalchemy', 'pandas', 'ortools')"
        " if m in sys.modules))\n"
    )
    done = _run([sys.executable, "-c", code], volumes)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "[]"


@pytest.mark.parametrize("args", [
    ["--help"],
    ["--volumes", "v.csv", "--service-level", "0.8"],  # --answer-seconds missing
    ["--volumes", "v.csv", "--service-level", "0.8", "--answer-seconds", "20", "--bogus", "1"],
    ["--volumes", "v.csv", "--service-level", "0.8", "--answer-seconds", "20",
     "--service-level", "0.9"],  # repeated
    ["--volumes", "v.csv", "--service-level", "high", "--answer-seconds", "20"],
    ["--volumes", "v.csv", "--service-level", "0.8", "--answer-seconds"],  # no value
    ["--volumes", "--service-level", "0.8", "--answer-seconds", "20"],
    ["--volumes", "v.csv", "--service-level", "0.8", "--answer-seconds", "20",
     "--out", "s.xlsx"],
    ["--volumes", "", "--service-level", "0.8", "--answer-seconds", "20"],
])
def test_anything_unusual_is_left_to_typer(args: list[str]) -> None:
    assert fast_staffing_options(args) is None


def test_typer_gives_the_usual_usage_error_for_what_the_fast_path_declines(
    tmp_path: Path,
) -> None:
    done = _run([CLI, "staffing", "--volumes", "v.csv", "--service-level", "0.8"], tmp_path)
    assert done.returncode == 2
    assert "Missing option '--answer-seconds'" in done.stderr


def test_the_fast_path_reads_options_as_typer_does() -> None:
    options = fast_staffing_options(["--volumes", "v.csv", "--service-level", "0.8",
                                     "--answer-seconds=20", "--shrinkage", "0.30",
                                     "--out", "o.csv"])
    assert options == StaffingOptions(volumes=Path("v.csv"), service_level=0.8,
                                      answer_seconds=20.0, shrinkage="0.30", out=Path("o.csv"))


def test_the_fast_path_knows_exactly_the_typer_command_options() -> None:
    app = typer.Typer()
    register(app)
    command = typer.main.get_command(app)
    staffing = command.commands["staffing"]  # type: ignore[attr-defined]
    typer_options = {param.opts[0]: param for param in staffing.params}
    assert set(typer_options) == {*STAFFING_FLOATS, *STAFFING_PATHS, *STAFFING_TEXTS}
    assert {name for name, p in typer_options.items() if p.required} == set(STAFFING_REQUIRED)
    defaults = StaffingOptions(volumes=Path("v"), service_level=0.8, answer_seconds=20)
    for name, param in typer_options.items():
        if not param.required:
            field = name.removeprefix("--").replace("-", "_")
            assert param.default == getattr(defaults, field), name


cells = st.text(alphabet="0123456789-T: .,ab", max_size=8)


@settings(max_examples=150, deadline=None)
@given(
    header=st.lists(st.sampled_from(["interval_start", "calls", "aht_seconds", "x"]),
                    min_size=1, max_size=4),
    rows=st.lists(st.lists(cells, min_size=0, max_size=5), max_size=6),
    crlf=st.booleans(),
    final_newline=st.booleans(),
)
def test_plain_splitting_agrees_with_the_csv_module(
    header: list[str], rows: list[list[str]], crlf: bool, final_newline: bool
) -> None:
    end = "\r\n" if crlf else "\n"
    text = end.join([",".join(header), *(",".join(row) for row in rows)])
    text += end if final_newline else ""
    plain = _split_plain(text, ",")
    if plain is None:
        return  # the csv module handles it
    head, columns, lines, widths = plain
    expected_header, expected_rows, expected_lines = _parse_rows("f.csv", text, ",")
    assert head == expected_header
    assert lines == expected_lines
    assert widths == [len(row) for row in expected_rows]
    for index, column in enumerate(columns):
        assert column == [row[index].strip() for row in expected_rows]


@settings(max_examples=40, deadline=None)
@given(
    calls=st.lists(st.one_of(st.just(0.0), st.floats(min_value=0.0, max_value=900.0)),
                   min_size=1, max_size=30),
    patience=st.one_of(st.none(), st.floats(min_value=30, max_value=600)),
    aht=st.floats(min_value=30, max_value=600),
)
def test_the_row_at_a_time_csv_equals_the_column_cells(
    calls: list[float], patience: float | None, aht: float, tmp_path_factory: pytest.TempPathFactory
) -> None:
    path = tmp_path_factory.mktemp("v") / "v.csv"
    write_csv(path, HEADER, [[f"2026-11-30T{i // 2:02d}:{30 * (i % 2):02d}", c, round(aht, 2)]
                             for i, c in enumerate(calls)])
    table = read_volumes(path)
    targets = targets_from_options(service_level=0.8, answer_seconds=20, shrinkage="0.3",
                                   patience_seconds=patience)
    staffing = staff_volumes(table, targets)
    text = staffing_csv(table, staffing)
    assert text == csv_text(STAFFING_COLUMNS, staffing_cells(table, staffing))
    parsed = list(csv.DictReader(io.StringIO(text)))
    assert [int(row["agents"]) for row in parsed] == staffing.agents.tolist()
    assert all((row["abandon_rate"] == "") == (patience is None) for row in parsed)
    assert np.all(staffing.agents[np.array(calls) == 0] == 0)
