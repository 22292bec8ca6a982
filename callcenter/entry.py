"""The ``callcenter`` console script.

Every command runs through the Typer application in ``callcenter.cli``, except the usual form
of ``callcenter staffing``, which is parsed here and run without importing Typer, SQLAlchemy,
pandas or OR-Tools: together they cost about a second of start-up, several times the work of
staffing a year of 15-minute intervals.  The fast path accepts exactly the documented options
(``--name value`` or ``--name=value``), each at most once, with values Typer would convert the
same way; anything else (``--help``, a misspelt, repeated or missing option, a number that does
not parse, an ``.xlsx`` output) goes to the Typer command, which prints its usual messages.
Both paths run the same ``callcenter.volumes`` code and print the same output; the tests
compare them.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from callcenter.volumes import StaffingOptions

#: ``callcenter staffing`` options and how their text becomes a value (as Typer does it).
STAFFING_FLOATS = (
    "--service-level",
    "--answer-seconds",
    "--aht-seconds",
    "--max-occupancy",
    "--patience-seconds",
    "--max-asa-seconds",
    "--interval-minutes",
)
STAFFING_PATHS = ("--volumes", "--out")
STAFFING_TEXTS = ("--shrinkage",)
STAFFING_REQUIRED = ("--volumes", "--service-level", "--answer-seconds")


def fast_staffing_options(args: list[str]) -> StaffingOptions | None:
    """The options of ``callcenter staffing ARGS``, or None when Typer should handle them."""
    known = (*STAFFING_FLOATS, *STAFFING_PATHS, *STAFFING_TEXTS)
    given: dict[str, str] = {}
    position = 0
    while position < len(args):
        name, equals, value = args[position].partition("=")
        if not equals:
            if position + 1 >= len(args):
                return None
            value = args[position + 1]
            position += 1
        position += 1
        if name not in known or name in given or value.startswith("--") or not value:
            return None
        given[name] = value
    if any(name not in given for name in STAFFING_REQUIRED):
        return None
    if given.get("--out", "").lower().endswith(".xlsx"):
        return None
    numbers: dict[str, float] = {}
    for name in STAFFING_FLOATS:
        if name in given:
            try:
                numbers[name] = float(given[name])
            except ValueError:
                return None

    from callcenter.volumes import StaffingOptions

    def key(option: str) -> str:
        return option.removeprefix("--").replace("-", "_")

    values: dict[str, object] = {key(name): number for name, number in numbers.items()}
    values.update({key(name): Path(given[name]) for name in STAFFING_PATHS if name in given})
    values.update({key(name): given[name] for name in STAFFING_TEXTS if name in given})
    return StaffingOptions(**values)  # type: ignore[arg-type]


def run_staffing(options: StaffingOptions) -> int:
    """``callcenter staffing`` on parsed options; the exit code (2 on bad input)."""
    from callcenter.errors import AppError
    from callcenter.volumes import staffing_csv, staffing_summary, staffing_table, write_text

    try:
        table, staffing = staffing_table(options)
        write_text(options.out, staffing_csv(table, staffing))
    except AppError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 2
    if options.out is not None:
        sys.stdout.write(staffing_summary(options.out, table, staffing) + "\n")
    return 0


def main() -> None:
    """Console-script entry point."""
    args = sys.argv[1:]
    if args[:1] == ["staffing"]:
        # No linear algebra here: one BLAS thread spares its thread pool's start-up.
        os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
        options = fast_staffing_options(args[1:])
        if options is not None:
            sys.exit(run_staffing(options))
    from callcenter.cli import main as typer_main

    typer_main()
