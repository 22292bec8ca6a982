"""``callcenter roster solve`` and ``callcenter roster check`` (contract: interfaces.md).

Exit codes: 0 success; 1 the check found a broken hard rule or a wrong objective (for ``solve``:
the independent checker rejected the solver's own roster, which is a bug, and nothing is
written); 2 bad input (the message names the file and JSON path), a problem whose leave breaks
art. 40, an infeasible problem (the reasons name the conflicting rules and agents) or a solve
that ended without any roster. Errors go to stderr as ``error: ...``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, NoReturn

import typer

from scheduler import (
    EngineError,
    InfeasibleError,
    InputError,
    SolverError,
    check_roster,
    ensure_annual_leave_within_limit,
    load_problem,
    load_roster,
    save_roster,
    solve,
)
from scheduler._solver import DEFAULT_TIME_LIMIT_SECONDS, DEFAULT_WORKERS


def _fail(message: str, code: int = 2) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def register(app: typer.Typer) -> None:
    """Add the ``roster`` sub-commands to the ``callcenter`` application."""
    roster_app = typer.Typer(help="Roster problems: solve and check.", no_args_is_help=True)
    app.add_typer(roster_app, name="roster")

    @roster_app.command("solve")
    def solve_command(
        problem_file: Annotated[Path, typer.Argument(metavar="PROBLEM.json")],
        out: Annotated[Path, typer.Option("--out", help="Where to write ROSTER.json.")],
        time_limit: Annotated[
            float, typer.Option("--time-limit", min=0.1, help="Seconds for the solver.")
        ] = DEFAULT_TIME_LIMIT_SECONDS,
        workers: Annotated[
            int, typer.Option("--workers", min=1, help="CP-SAT worker threads.")
        ] = DEFAULT_WORKERS,
    ) -> None:
        """Solve a roster problem; the independent checker verifies it before it is written."""
        try:
            problem = load_problem(problem_file)
            ensure_annual_leave_within_limit(problem, str(problem_file))
            roster = solve(problem, time_limit_seconds=time_limit, workers=workers)
        except InfeasibleError as exc:
            _fail(f"{problem_file}: {exc}")
        except SolverError as exc:
            _fail(f"{problem_file}: {exc}")
        except InputError as exc:
            _fail(str(exc))
        except EngineError as exc:  # any other engine error is still the input's fault
            _fail(f"{problem_file}: {exc}")
        report = check_roster(problem, roster)
        if not report.ok or not report.objective_matches or not report.penalties_match:
            typer.echo(report.to_text(), err=True)
            _fail(
                "internal error: the independent checker rejects the solver's roster; "
                f"nothing written to {out}",
                1,
            )
        try:
            save_roster(roster, out)
        except OSError as exc:
            _fail(f"cannot write {out}: {exc}")
        bound = roster.bound if roster.bound is not None else roster.objective
        gap = (roster.objective - bound) / roster.objective if roster.objective else 0.0
        typer.echo(
            f"{roster.status} objective {roster.objective} bound {bound} gap {gap:.1%} "
            f"in {roster.seconds} s: {len(roster.assignments)} shifts, "
            f"{len(roster.penalties)} penalty lines -> {out}"
        )

    @roster_app.command("check")
    def check_command(
        problem_file: Annotated[Path, typer.Argument(metavar="PROBLEM.json")],
        roster_file: Annotated[Path, typer.Argument(metavar="ROSTER.json")],
        as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    ) -> None:
        """Re-check every rule of a roster independently; exit 1 if a hard rule is broken."""
        try:
            problem = load_problem(problem_file)
            roster = load_roster(roster_file)
        except InputError as exc:
            _fail(str(exc))
        report = check_roster(problem, roster)
        typer.echo(report.to_json() if as_json else report.to_text())
        if not report.ok or not report.objective_matches:
            raise typer.Exit(1)
