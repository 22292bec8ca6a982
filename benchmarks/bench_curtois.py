"""Curtois & Qu (2014) instances: the engine against a straightforward one-model CP-SAT anchor.

For every instance file in ``../shared/benchmarks/curtois`` and every time limit asked for:

* engine: ``callcenter bench curtois INSTANCE.txt --time-limit S --workers W`` as a process (the
  installed console script once ``callcenter.cli`` registers ``bench``, else the same command on
  a bare Typer app); the command converts the instance into the engine's roster problem, solves
  it with ``scheduler.solve`` and prints one JSON line only after the independent checker and
  the Curtois rules (``scheduler.curtois_evaluate``) agree with the objective.
* anchor: the textbook model written straight from the benchmark's IP formulation
  (schedulingbenchmarks.org), in this module: one Boolean per employee, day and shift type,
  every rule as a plain linear constraint or clause, the weighted requests and cover in the
  objective, solved by CP-SAT with the same limit and workers. Its roster is scored by
  ``curtois_evaluate`` too, so a wrong anchor objective cannot slip into the table.
  (``bench_roster.run_straightforward`` is the anchor for generated centres; it has no cover
  entries, total-minute bounds, per-type maxima, minimum runs or weekend limits, so it cannot
  stand in for this one.)

Results are kept per (instance, model, limit) in ``results/curtois.json`` and the table
``results/curtois.md`` is rendered from everything stored, so the 60 s and 600 s columns can be
filled by different sessions; a cell never run says so. Best-known values are read from
``SOURCE.md`` (never repeated here).

``python -m benchmarks.bench_curtois [--limits 60,600] [--workers 2] [--only 1,2,3]
[--models engine,anchor]``; ``--limits ""`` only re-renders the table from the stored results.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import platform
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import typer.main
from ortools.sat.python import cp_model

from scheduler import CurtoisInstance, curtois_evaluate, load_curtois

ROOT = Path(__file__).resolve().parents[1]
INSTANCES = ROOT.parent / "shared" / "benchmarks" / "curtois"
RESULTS = Path(__file__).parent / "results" / "curtois.md"
STORE = Path(__file__).parent / "results" / "curtois.json"
DEFAULT_LIMITS = (60.0, 600.0)
DEFAULT_WORKERS = 2
SHIM = (
    "import typer; from callcenter.commands_bench import register; "
    "app = typer.Typer(); register(app); app()"
)


@dataclass(frozen=True)
class Result:
    instance: str
    model: str  # "engine" or "anchor"
    limit: float
    workers: int
    status: str
    objective: int | None
    bound: int | None
    seconds: float
    note: str = ""
    engine_digest: str = ""  # sha256 of scheduler/**/*.py when the engine ran (working tree)


# --------------------------------------------------------------------------- inputs


def instance_files(only: Iterable[int] | None = None) -> list[Path]:
    """Every ``InstanceN.txt`` present, by N (optionally only the numbers given)."""
    if not INSTANCES.is_dir():
        raise FileNotFoundError(f"the Curtois instances are missing: {INSTANCES}")
    wanted = set(only) if only is not None else None
    files = [path for path in INSTANCES.glob("Instance*.txt") if _number(path.stem) is not None]
    files.sort(key=lambda path: _number(path.stem) or 0)
    return [path for path in files if wanted is None or _number(path.stem) in wanted]


def _number(name: str) -> int | None:
    match = re.fullmatch(r"Instance(\d+)", name)
    return int(match[1]) if match else None


def best_known(source: Path = INSTANCES / "SOURCE.md") -> dict[int, int]:
    """Best-known objectives (upper bounds) from the table in SOURCE.md, by instance number."""
    text = source.read_text(encoding="utf-8")
    section = text.split("## Best-known objective values", 1)[1].split("\n## ", 1)[0]
    values: dict[int, int] = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if all(cell.isdigit() for cell in cells) and len(cells) % 2 == 0:
            for number, value in zip(cells[::2], cells[1::2], strict=True):
                values[int(number)] = int(value)
    return values


# --------------------------------------------------------------------------- the engine


def _command() -> tuple[list[str], str]:
    from callcenter.cli import app

    if "bench" in getattr(typer.main.get_command(app), "commands", {}):
        return [str(Path(sys.executable).with_name("callcenter"))], "`callcenter bench curtois`"
    return [sys.executable, "-c", SHIM], (
        "`bench curtois` via `callcenter.commands_bench` on a bare Typer app "
        "(not yet registered in `callcenter`)"
    )


def engine_digest() -> str:
    """A fingerprint of the engine's sources: the solver is developed while benchmarks run."""
    digest = hashlib.sha256()
    for source in sorted((ROOT / "scheduler").rglob("*.py")):
        digest.update(source.relative_to(ROOT).as_posix().encode())
        digest.update(source.read_bytes())
    return digest.hexdigest()[:12]


def _child(command: list[str], limit: float, setup: Callable[[], None] | None = None,
           ) -> tuple[subprocess.CompletedProcess[str] | None, list[str]]:
    """Run one benchmark process from the project's root (``setup`` in the child before it
    starts): the finished process (None when killed at three times the limit plus 300 s) and
    the JSON lines it printed."""
    try:
        done = subprocess.run(command, capture_output=True, text=True, check=False,
                              timeout=limit * 3 + 300, cwd=ROOT, preexec_fn=setup)
    except subprocess.TimeoutExpired:
        return None, []
    return done, [line for line in done.stdout.splitlines() if line.startswith("{")]


def run_engine(path: Path, limit: float, workers: int) -> Result:
    command, _ = _command()
    version = engine_digest()
    started = time.monotonic()
    done, lines = _child([*command, "bench", "curtois", str(path), "--time-limit", f"{limit:g}",
                          "--workers", str(workers)], limit)
    if done is None:
        return Result(path.stem, "engine", limit, workers, "TIMEOUT", None, None,
                      round(time.monotonic() - started, 1), "process killed", version)
    if not lines:
        note = (done.stderr.strip().splitlines() or ["no output"])[-1][:200]
        return Result(path.stem, "engine", limit, workers, "ERROR", None, None,
                      round(time.monotonic() - started, 1), note, version)
    record = json.loads(lines[-1])
    note = "" if done.returncode == 0 else f"exit {done.returncode}"
    return Result(path.stem, "engine", limit, workers, record["status"], record["objective"],
                  record["bound"], record["seconds"], note, version)


# --------------------------------------------------------------------------- the anchor


def anchor_model(instance: CurtoisInstance) -> tuple[cp_model.CpModel,
                                                      list[list[dict[str, Any]]]]:
    """The straightforward formulation: x[e][d][s] for every employee, day and shift type."""
    model = cp_model.CpModel()
    days, shifts = instance.days, instance.shifts
    x = [[{s.id: model.new_bool_var(f"x_{e.id}_{d}_{s.id}") for s in shifts}
          for d in range(days)] for e in instance.staff]
    work: list[list[Any]] = []
    for e, person in enumerate(instance.staff):
        row = []
        for d in range(days):
            day_work = sum(x[e][d].values())
            model.add(day_work <= 1)
            row.append(day_work)
        work.append(row)
        for d in instance.days_off.get(person.id, ()):
            model.add(work[e][d] == 0)
        for shift in shifts:
            for following in shift.cannot_follow:
                for d in range(days - 1):
                    model.add(x[e][d][shift.id] + x[e][d + 1][following] <= 1)
            limit = person.max_shifts.get(shift.id)
            if limit is not None:
                model.add(sum(x[e][d][shift.id] for d in range(days)) <= limit)
        minutes = sum(s.minutes * x[e][d][s.id] for d in range(days) for s in shifts)
        model.add(minutes <= person.max_total_minutes)
        model.add(minutes >= person.min_total_minutes)
        most = person.max_consecutive_shifts
        for d in range(days - most):
            model.add(sum(work[e][d + k] for k in range(most + 1)) <= most)
        # minimum runs, the IP formulation's way: a run of length s strictly inside the horizon
        for length in range(1, person.min_consecutive_shifts):
            for d in range(1, days - length):
                model.add(work[e][d - 1] + length - sum(work[e][d + k] for k in range(length))
                          + work[e][d + length] >= 1)
        for length in range(1, person.min_consecutive_days_off):
            for d in range(1, days - length):
                model.add(1 - work[e][d - 1] + sum(work[e][d + k] for k in range(length))
                          + 1 - work[e][d + length] >= 1)
        weekends = []
        for week in range(days // 7):
            worked = model.new_bool_var(f"k_{person.id}_{week}")
            model.add(worked >= work[e][7 * week + 5])
            model.add(worked >= work[e][7 * week + 6])
            model.add(worked <= work[e][7 * week + 5] + work[e][7 * week + 6])
            weekends.append(worked)
        model.add(sum(weekends) <= person.max_weekends)
    index = {person.id: e for e, person in enumerate(instance.staff)}
    terms: list[Any] = []
    for request in instance.on_requests:
        terms.append(request.weight * (1 - x[index[request.employee]][request.day][request.shift]))
    for request in instance.off_requests:
        terms.append(request.weight * x[index[request.employee]][request.day][request.shift])
    for cover in instance.cover:
        count = sum(x[e][cover.day][cover.shift] for e in range(len(instance.staff)))
        under = model.new_int_var(0, cover.requirement, "")
        over = model.new_int_var(0, len(instance.staff), "")
        model.add(count - cover.requirement == over - under)
        terms.append(cover.weight_under * under + cover.weight_over * over)
    model.minimize(sum(terms))
    return model, x


# The anchor runs in a child process with its address space capped (RLIMIT_AS): on the
# 364-day Instance 24 at 600 s the one-model CP-SAT grew past the machine's 24 GiB and the
# kernel killed the whole benchmark; now that is one row of the table.
ANCHOR_MEMORY_GIB = 20.0
_ANCHOR_CHILD = (
    "import json, sys; from dataclasses import asdict; from pathlib import Path; "
    "from benchmarks.bench_curtois import solve_anchor; "
    "print(json.dumps(asdict(solve_anchor(Path(sys.argv[1]), float(sys.argv[2]), "
    "int(sys.argv[3])))), flush=True)"
)

# How running out of the capped address space shows on the child's stderr (Python, the C++
# runtime, the dynamic loader, glibc); a child killed by a signal counts too.
_OUT_OF_MEMORY = ("memoryerror", "bad_alloc", "cannot allocate memory", "failed to map",
                  "out of memory")


def run_anchor(path: Path, limit: float, workers: int) -> Result:
    """:func:`solve_anchor` in a child process of at most :data:`ANCHOR_MEMORY_GIB`."""
    import resource  # (POSIX only, as is the benchmark machine)

    cap = int(ANCHOR_MEMORY_GIB * 2**30)

    def capped() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))

    started = time.monotonic()
    done, lines = _child([sys.executable, "-c", _ANCHOR_CHILD, str(path), f"{limit:g}",
                          str(workers)], limit, capped)
    if done is None:
        return Result(path.stem, "anchor", limit, workers, "TIMEOUT", None, None,
                      round(time.monotonic() - started, 1), "process killed")
    if lines:
        return Result(**json.loads(lines[-1]))
    seconds = round(time.monotonic() - started, 1)
    errors = done.stderr.strip().splitlines()
    if done.returncode < 0 or any(marker in line.lower() for line in errors
                                  for marker in _OUT_OF_MEMORY):
        note = (f"out of memory: ended by signal {-done.returncode} "
                f"with the address space capped at {ANCHOR_MEMORY_GIB:g} GiB"
                if done.returncode < 0 else
                f"out of memory at the {ANCHOR_MEMORY_GIB:g} GiB cap: {errors[-1][:120]}")
        return Result(path.stem, "anchor", limit, workers, "MEMORY", None, None, seconds, note)
    return Result(path.stem, "anchor", limit, workers, "ERROR", None, None, seconds,
                  (errors or [f"exit {done.returncode}, no output"])[-1][:200])


def solve_anchor(path: Path, limit: float, workers: int) -> Result:
    """The one-model CP-SAT formulation (:func:`anchor_model`) on ``path``, in this process."""
    started = time.monotonic()
    instance = load_curtois(path)
    model, x = anchor_model(instance)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.1, limit - (time.monotonic() - started))
    solver.parameters.num_workers = workers
    status = solver.solve(model)
    seconds = round(time.monotonic() - started, 3)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return Result(path.stem, "anchor", limit, workers, solver.status_name(status), None,
                      None, seconds)
    grid = {
        person.id: [next((s for s, var in x[e][d].items() if solver.boolean_value(var)), None)
                    for d in range(instance.days)]
        for e, person in enumerate(instance.staff)
    }
    # The roster's value by the benchmark's own rules: at a merely feasible solution the model's
    # cover slack need not be tight (under and over both positive), so its objective can be higher.
    score = curtois_evaluate(instance, grid)
    objective = score.objective
    note = ""
    if not score.feasible:
        note = f"INVALID: {len(score.violations)} Curtois violations, e.g. {score.violations[0]}"
    elif round(solver.objective_value) != objective:
        note = f"model value {round(solver.objective_value):,}"
    bound = max(0, math.ceil(solver.best_objective_bound - 1e-6))
    return Result(path.stem, "anchor", limit, workers,
                  "OPTIMAL" if status == cp_model.OPTIMAL else "FEASIBLE", objective,
                  min(bound, objective), seconds, note)


# --------------------------------------------------------------------------- store and table


def load_store() -> dict[str, Result]:
    if not STORE.exists():
        return {}
    return {key: Result(**value) for key, value in json.loads(STORE.read_text()).items()}


def _key(result: Result) -> str:
    return f"{result.instance}/{result.model}/{result.limit:g}"


def save_store(results: dict[str, Result]) -> None:
    STORE.parent.mkdir(parents=True, exist_ok=True)
    data = {key: asdict(value) for key, value in sorted(results.items())}
    STORE.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")


def _cell(result: Result | None, best: int | None) -> list[str]:
    if result is None:
        return ["not run", "", "", ""]
    if result.objective is None:
        return [result.status.lower() + (f" ({result.note})" if result.note else ""), "",
                "", f"{result.seconds:.0f}"]
    gap = "" if best is None else f"{(result.objective - best) / best:+.1%}"
    mark = "*" if result.status == "OPTIMAL" else ""
    note = f" ({result.note})" if result.note else ""
    bound = "" if result.bound is None else f"{result.bound:,}"
    return [f"{result.objective:,}{mark}{note}", bound, gap, f"{result.seconds:.0f}"]


def render(results: dict[str, Result], limits: Sequence[float]) -> str:
    best = best_known()
    files = instance_files()
    lines = [
        "# Curtois & Qu (2014) benchmark: engine vs straightforward CP-SAT anchor",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores (shared with other sessions; "
        "wall-clock times), "
        f"Python {platform.python_version()}. Instances from `../shared/benchmarks/curtois` "
        f"({len(files)} of the 24). Generated by `python -m benchmarks.bench_curtois`.",
        "",
        "* **engine**: `callcenter bench curtois` - the instance converted into the engine's "
        "roster problem, solved by `scheduler.solve`, reported only after the independent "
        "checker and the Curtois rules agree with its objective.",
        "* **anchor**: the straightforward one-model CP-SAT formulation (one Boolean per "
        "employee, day and shift type; the benchmark's IP formulation as is), same limit and "
        "workers; its rosters are re-scored by `scheduler.curtois_evaluate`.",
        "* objective (`*` = proven optimal), bound = proven lower bound, gap = (objective - "
        "best-known) / best-known, s = wall seconds. Best-known = upper bounds in SOURCE.md.",
        "* Same objective as the benchmark's: the mapping (`scheduler/_curtois.py`) keeps every "
        "Curtois rule, horizon edges included, and the objective (weighted requests + cover) "
        "exactly; `tests/scheduler/test_curtois.py` holds the checker to Curtois' own rules on "
        "random rosters. Instances 5, 9, 14, 18 and 22 are not in the shared folder.",
        "* `unknown`: no roster within the limit (the engine's command then exits 2). Seconds "
        "far over the limit: building the model alone took that long. An anchor's `model "
        "value` differs from its objective when its cover slack was not tight; the objective "
        "shown is the roster's value by the Curtois rules.",
        "* Single runs. CP-SAT's parallel search depends on thread timing: two runs of one "
        "instance and limit can differ by a third (engine on Instance 8 at 60 s: 1,631 and "
        "2,230; anchor on 13: 5,751 and 10,231), so small differences between the columns "
        "are noise.",
        "",
    ]
    for limit in limits:
        ran = [r for r in results.values() if r.limit == limit]
        workers = sorted({r.workers for r in ran})
        lines.append(f"## Time limit {limit:g} s" + (
            f" ({', '.join(map(str, workers))} worker(s))" if workers else ""))
        lines.append("")
        if not ran:
            lines.append(f"Not run yet: the {limit:g} s column is left for a later session "
                         "(no number here is estimated).")
            lines.append("")
            continue
        digests = sorted({r.engine_digest for r in ran if r.model == "engine"} - {""})
        if digests:
            lines.append(f"Engine sources (sha256 of `scheduler/**/*.py`, working tree): "
                         f"{', '.join(f'`{d}`' for d in digests)}"
                         + (" - the solver changed during this column's runs." if len(digests)
                            > 1 else "."))
            lines.append("")
        lines.append("| inst | days | staff | types | best-known | engine | bound | gap | s "
                     "| anchor | bound | gap | s |")
        lines.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for path in files:
            number = _number(path.stem) or 0
            instance = load_curtois(path)
            engine = results.get(f"{path.stem}/engine/{limit:g}")
            anchor = results.get(f"{path.stem}/anchor/{limit:g}")
            known = best.get(number)
            row = [str(number), str(instance.days), str(len(instance.staff)),
                   str(len(instance.shifts)), f"{known:,}" if known else "?",
                   *_cell(engine, known), *_cell(anchor, known)]
            lines.append("| " + " | ".join(row) + " |")
        lines.append("")
    return "\n".join(lines)


def run(limits: Sequence[float] = DEFAULT_LIMITS, *, workers: int = DEFAULT_WORKERS,
        only: Iterable[int] | None = None, models: Sequence[str] = ("engine", "anchor"),
        table_limits: Sequence[float] = DEFAULT_LIMITS) -> str:
    """Run the given limits on the instances, store the results, rewrite the table."""
    results = load_store()
    for limit in limits:
        for path in instance_files(only):
            for name, runner in (("engine", run_engine), ("anchor", run_anchor)):
                if name not in models:
                    continue
                result = runner(path, limit, workers)
                results[_key(result)] = result
                save_store(results)
                print(json.dumps(asdict(result)), flush=True)
    table = render(results, sorted(set(table_limits) | set(limits)))
    RESULTS.write_text(table + "\n", encoding="utf-8")
    return table


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--limits", default="60,600",
                        help="comma-separated seconds; empty: only re-render the table")
    parser.add_argument("--workers", type=int, default=DEFAULT_WORKERS)
    parser.add_argument("--only", default="", help="instance numbers, e.g. 1,2,3")
    parser.add_argument("--models", default="engine,anchor", help="engine, anchor or both")
    args = parser.parse_args(argv)
    limits = [float(item) for item in args.limits.split(",") if item]
    only = [int(item) for item in args.only.split(",") if item] or None
    models = [item for item in args.models.split(",") if item]
    print(run(limits, workers=args.workers, only=only, models=models))


if __name__ == "__main__":
    main()
