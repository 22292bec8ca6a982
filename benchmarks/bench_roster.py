"""Roster solving at scale: the engine against the straightforward CP-SAT formulation.

Anchor: one Boolean per agent x day x shift type, coverage summed per interval, default solver
parameters (only the time limit and 2 workers set); the same hard rules and the same objective
definitions (coverage pro rata by minutes, fairness spreads, requests). Breaks in the anchor
are the most balanced pattern of each shift (it has no break decisions); every roster of both
is judged by the independent checker (``check_roster``), which recomputes coverage net of
breaks and every penalty.

Centres: generated, 28 days from Monday 2026-12-07, five 9-hour shift types (M07, D09, E13,
S16, N23 night), 2,400 weekly minutes averaged over 4 weeks, 12 h minimum rest, no N23 ->
M07/D09, at most 6 days in a row, two in three agents night-eligible, scattered annual and sick
leave, some day-off requests; half-hourly demand with a day curve, low nights, weekends at 75%
and New Year's Day (2027-01-01) at 50%, under-coverage weighted 100 and over-coverage 1.

``BENCH_QUICK=1`` (or ``python -m benchmarks.bench_roster quick``) runs short limits for
development and writes ``roster-quick.md`` instead of the results table.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import random
import sys
import threading
import time
from collections import defaultdict
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from ortools.sat.python import cp_model

from scheduler import (
    Roster,
    RosterProblem,
    SolveProgress,
    SolverError,
    break_patterns,
    check_roster,
    leave_credit_minutes,
    solve,
)

RESULTS = Path(__file__).parent / "results"
START = dt.date(2026, 12, 7)
HOLIDAY = dt.date(2027, 1, 1)
DAY_CURVE = [8, 6, 5, 5, 5, 6, 9, 14, 22, 30, 34, 34, 31, 30, 32, 33, 31, 27, 24, 20, 17, 14,
             12, 10]  # agents wanted per hour for 120 agents
SHIFTS = (("M07", "07:00"), ("D09", "09:00"), ("E13", "13:00"), ("S16", "16:00"),
          ("N23", "23:00"))


def centre(agents: int, days: int = 28, seed: int = 11) -> RosterProblem:
    """A generated centre of ``agents`` agents (demand scaled to its size)."""
    rng = random.Random(seed)
    scale = agents / 120
    annual = list(range(days))
    rng.shuffle(annual)
    people: list[dict[str, Any]] = []
    for i in range(agents):
        person: dict[str, Any] = {
            "id": f"A{i + 1:03d}", "team": f"T{i % max(1, agents // 30) + 1}",
            "night_eligible": i % 3 != 0,
            "contract": {"weekly_minutes": 2400, "averaging_weeks": 4,
                         "max_consecutive_work_days": 6},
        }
        leave = []
        if i < days:  # art. 40: at most one agent on annual leave a day
            leave.append({"date": (START + dt.timedelta(days=annual[i])).isoformat(),
                          "kind": "annual"})
        if i % 9 == 4:
            leave.append({"date": (START + dt.timedelta(days=(i * 7) % days)).isoformat(),
                          "kind": "sick"})
        if len({entry["date"] for entry in leave}) == len(leave) and leave:
            person["leave"] = leave
        if i % 5 == 1:
            when = START + dt.timedelta(days=rng.randrange(days))
            person["requests"] = [{"date": when.isoformat(), "on": False, "weight": 2}]
        people.append(person)
    demand = []
    for d in range(days):
        date = START + dt.timedelta(days=d)
        factor = 0.5 if date == HOLIDAY else 0.75 if date.weekday() >= 5 else 1.0
        for hour in range(24):
            for minute in (0, 30):
                wanted = DAY_CURVE[hour] * factor * scale + rng.uniform(-1.0, 1.0)
                demand.append({"start": f"{date}T{hour:02d}:{minute:02d}",
                               "agents": max(1, round(wanted)),
                               "weight_under": 100, "weight_over": 1})
    return RosterProblem.model_validate({
        "name": f"bench-{agents}x{days}",
        "start_date": START.isoformat(),
        "days": days,
        "shift_types": [{"id": sid, "start": clock, "duration_minutes": 540,
                         "night": sid == "N23"} for sid, clock in SHIFTS],
        "agents": people,
        "demand": demand,
        "rules": {"min_rest_minutes": 720,
                  "forbidden_successions": [["N23", "M07"], ["N23", "D09"]]},
    })


# --------------------------------------------------------------------------- measurements


@dataclass
class Result:
    """One solve, judged by the checker."""

    found: bool
    valid: bool = False
    objective: int | None = None
    bound: float | None = None
    short: float = 0.0  # agent-intervals under demand
    ratio: float = 0.0  # agent-intervals covered / wanted
    first: float | None = None  # seconds to the first roster the checker accepts
    seconds: float = 0.0


def judge(problem: RosterProblem, roster: Roster) -> tuple[bool, int, float, float]:
    report = check_roster(problem, roster)
    wanted = sum(line.required for line in report.coverage)
    short = sum(max(Fraction(0), line.required - line.on_phones) for line in report.coverage)
    covered = sum(min(Fraction(line.required), line.on_phones) for line in report.coverage)
    return report.ok, report.objective, float(short), float(covered / wanted if wanted else 1)


def run_engine(problem: RosterProblem, seconds: float) -> Result:
    """The engine: a run stopped at its first roster (timed and checked), then a full run."""
    stop = threading.Event()
    started = time.monotonic()
    try:
        first_roster = solve(problem, time_limit_seconds=seconds, workers=2,
                             on_progress=lambda progress: stop.set(), stop_event=stop)
        first = time.monotonic() - started
        first_ok = judge(problem, first_roster)[0]
    except SolverError:
        first, first_ok = None, False
    started = time.monotonic()
    try:
        roster = solve(problem, time_limit_seconds=seconds, workers=2)
    except SolverError:
        return Result(found=False, seconds=time.monotonic() - started)
    elapsed = time.monotonic() - started
    ok, objective, short, ratio = judge(problem, roster)
    return Result(True, ok and roster.objective == objective, objective, roster.bound, short,
                  ratio, first if first_ok else None, elapsed)


def run_engine_once(problem: RosterProblem, seconds: float) -> Result:
    """The engine once; first = seconds to its first progress report (a complete roster)."""
    seen: list[SolveProgress] = []
    started = time.monotonic()
    try:
        roster = solve(problem, time_limit_seconds=seconds, workers=2,
                       on_progress=seen.append)
    except SolverError:
        return Result(found=False, seconds=time.monotonic() - started)
    elapsed = time.monotonic() - started
    ok, objective, short, ratio = judge(problem, roster)
    return Result(True, ok and roster.objective == objective, objective, roster.bound, short,
                  ratio, seen[0].seconds if seen else None, elapsed)


# --------------------------------------------------------------------------- the anchor


class _First(cp_model.CpSolverSolutionCallback):
    def __init__(self, x: dict[tuple[int, int, str], cp_model.IntVar]) -> None:
        super().__init__()
        self.x = x
        self.started = time.monotonic()
        self.seconds: float | None = None
        self.rows: dict[tuple[int, int, str], int] | None = None

    def on_solution_callback(self) -> None:
        if self.rows is None:
            self.seconds = time.monotonic() - self.started
            self.rows = {key: self.value(var) for key, var in self.x.items()}


def run_straightforward(problem: RosterProblem, seconds: float) -> Result:
    """One Boolean per agent x day x shift type; every rule written out directly."""
    started = time.monotonic()
    model = cp_model.CpModel()
    days, length = problem.days, problem.interval_minutes
    rules = problem.rules
    shift_ids = [s.id for s in problem.shift_types]
    window = {(d, s): tuple(problem.minute_of(t) for t in problem.shift_window(s, date))
              for d, date in enumerate(problem.dates) for s in shift_ids}
    x: dict[tuple[int, int, str], cp_model.IntVar] = {}
    for a, agent in enumerate(problem.agents):
        for d, date in enumerate(problem.dates):
            if date in agent.unavailable_dates:
                continue
            for shift in problem.shift_types:
                if shift.night and not agent.night_eligible:
                    continue
                x[a, d, shift.id] = model.new_bool_var(f"x{a}_{d}_{shift.id}")

    def day_vars(a: int, d: int) -> list[cp_model.IntVar]:
        return [x[a, d, s] for s in shift_ids if (a, d, s) in x]

    weekend_days = [d for d, date in enumerate(problem.dates) if date.weekday() >= 5]
    nights = [s.id for s in problem.shift_types if s.night]
    work = {s.id: problem.work_minutes(s) for s in problem.shift_types}
    objective: list[tuple[int, Any]] = []
    teams: dict[str, list[int]] = defaultdict(list)
    for a, agent in enumerate(problem.agents):
        teams[agent.team].append(a)
        for d in range(days):
            model.add_at_most_one(day_vars(a, d))
        contract = agent.contract
        if contract.weekly_minutes is not None:
            for block in problem.averaging_blocks(contract.averaging_weeks):
                first = problem.day_index(block.first)
                need = (block.target_minutes(contract.weekly_minutes)
                        - len(agent.leave_dates & set(block.dates))
                        * leave_credit_minutes(contract.weekly_minutes))
                total = sum(work[s] * x[a, d, s] for d in range(first, first + block.days)
                            for s in shift_ids if (a, d, s) in x)
                tolerance = contract.tolerance_minutes
                model.add(total >= int(-(-(need - tolerance) // 1)))
                model.add(total <= int((need + tolerance) // 1))
        k = contract.max_consecutive_work_days
        if k is not None:
            for first in range(days - k):
                model.add(sum(v for d in range(first, first + k + 1)
                              for v in day_vars(a, d)) <= k)
        for d in range(days):
            for s in shift_ids:
                if (a, d, s) not in x:
                    continue
                for gap in (1, 2):
                    for t in shift_ids:
                        if (a, d + gap, t) not in x:
                            continue
                        too_soon = window[d + gap, t][0] - window[d, s][1] < rules.min_rest_minutes
                        forbidden = gap == 1 and (s, t) in rules.forbidden_successions
                        if too_soon or forbidden:
                            model.add(x[a, d, s] + x[a, d + gap, t] <= 1)
        for request in agent.requests:
            d = problem.day_index(request.date)
            lits = [x[a, d, request.shift]] if request.shift and (a, d, request.shift) in x \
                else ([] if request.shift else day_vars(a, d))
            granted = sum(lits)
            scale = problem.weights.request * request.weight
            objective.append((scale, 1 - granted if request.on else granted))
    # coverage: agents on the phones per interval, breaks at the most balanced pattern
    on: dict[int, list[tuple[int, cp_model.IntVar]]] = defaultdict(list)
    for (_, d, s), var in x.items():
        shift = problem.shift_types_by_id[s]
        begin = window[d, s][0]
        segments: tuple[tuple[int, int], ...] = ((0, shift.duration_minutes),)
        if problem.breaks_due(shift):
            pattern = break_patterns(shift.duration_minutes, rules.breaks,
                                     interval_minutes=length, phase=begin)[0]
            segments = pattern.on_phones()
        for lo, hi in segments:
            for iv in range((begin + lo) // length * length, begin + hi, length):
                minutes = min(begin + hi, iv + length) - max(begin + lo, iv)
                if minutes > 0:
                    on[iv].append((minutes, var))
    for item in problem.demand:
        iv = problem.minute_of(item.start)
        want = item.agents * length
        supply = sum(minutes * var for minutes, var in on.get(iv, []))
        under = model.new_int_var(0, item.weight_under * want // length + 1, "")
        model.add(length * under >= item.weight_under * (want - supply))
        over = model.new_int_var(0, 10**6, "")
        model.add(length * over >= item.weight_over * (supply - want))
        objective += [(1, under), (1, over)]
    for members in teams.values():
        for counted, eligible in (
            (nights, [a for a in members if problem.agents[a].night_eligible]),
            (shift_ids, members),
        ):
            day_set = range(days) if counted is nights else weekend_days
            if len(eligible) < 2:
                continue
            most = model.new_int_var(0, days, "")
            fewest = model.new_int_var(0, days, "")
            for a in eligible:
                count = sum(x[a, d, s] for d in day_set for s in counted if (a, d, s) in x)
                model.add(most >= count)
                model.add(fewest <= count)
            objective.append((problem.weights.fairness, most - fewest))
    model.minimize(sum(weight * term for weight, term in objective))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(1.0, seconds - (time.monotonic() - started))
    solver.parameters.num_workers = 2
    callback = _First(x)
    status = solver.solve(model, callback)
    elapsed = time.monotonic() - started
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE) or callback.rows is None:
        return Result(found=False, seconds=elapsed)
    first_roster = _anchor_roster(problem, callback.rows)
    first_ok = judge(problem, first_roster)[0]
    roster = _anchor_roster(problem, {key: solver.value(var) for key, var in x.items()})
    ok, objective_value, short, ratio = judge(problem, roster)
    build_seconds = callback.started - started
    first_seconds = build_seconds + callback.seconds if callback.seconds is not None else None
    return Result(True, ok, objective_value, max(0, round(solver.best_objective_bound)), short,
                  ratio, first_seconds if first_ok else None, elapsed)


def _anchor_roster(problem: RosterProblem, values: dict[tuple[int, int, str], int]) -> Roster:
    assignments = []
    rules = problem.rules
    for (a, d, s), value in sorted(values.items()):
        if not value:
            continue
        shift = problem.shift_types_by_id[s]
        date = problem.dates[d]
        begin, end = problem.shift_window(s, date)
        breaks = []
        if problem.breaks_due(shift):
            pattern = break_patterns(shift.duration_minutes, rules.breaks,
                                     interval_minutes=problem.interval_minutes,
                                     phase=problem.minute_of(begin))[0]
            breaks = [{"kind": kind, "minutes": minutes,
                       "start": (begin + dt.timedelta(minutes=offset)).replace(tzinfo=None)
                       .isoformat(timespec="minutes")}
                      for kind, offset, minutes in pattern.breaks]
        assignments.append({
            "agent": problem.agents[a].id, "date": date.isoformat(), "shift": s,
            "start": begin.replace(tzinfo=None).isoformat(timespec="minutes"),
            "end": end.replace(tzinfo=None).isoformat(timespec="minutes"), "breaks": breaks,
        })
    draft = Roster.model_validate({"problem": problem.name, "status": "FEASIBLE",
                                   "objective": 0, "assignments": assignments})
    report = check_roster(problem, draft)
    return draft.model_copy(update={"objective": report.objective})


# --------------------------------------------------------------------------- the table


def _cell(value: float | int | None, fmt: str = ",.0f") -> str:
    return "-" if value is None else format(value, fmt)


def _row(size: int, what: str, limit: float, result: Result) -> str:
    if not result.found:
        return f"| {size} x 28 | {what} | {limit:g} | no roster | - | - | - | - | - | - |"
    gap = ((result.objective - result.bound) / result.objective
           if result.objective and result.bound is not None else None)
    return (f"| {size} x 28 | {what} | {limit:g} | {'yes' if result.valid else 'NO'} "
            f"| {_cell(result.short, ',.1f')} | {_cell(result.ratio * 100, '.2f')}% "
            f"| {_cell(result.objective)} | {_cell(result.bound)} "
            f"| {_cell(gap * 100 if gap is not None else None, '.1f')}% "
            f"| {_cell(result.first, '.1f')} |")


def run(quick: bool | None = None) -> str:
    quick = os.environ.get("BENCH_QUICK") == "1" if quick is None else quick
    limit, big_limit = (15.0, 60.0) if quick else (120.0, 600.0)
    sizes = (60, 120, 300)
    load_before = os.getloadavg()
    started = time.monotonic()
    lines = [
        "# Roster benchmark: the engine against the straightforward CP-SAT formulation",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, OR-Tools {_ortools_version()}; 2 workers everywhere. "
        f"{'QUICK run (short limits, development only). ' if quick else ''}"
        f"Load average at the start {load_before[0]:.2f} / {load_before[1]:.2f} / "
        f"{load_before[2]:.2f} (1/5/15 min).",
        "",
        "Generated centres (see `benchmarks/bench_roster.py`): 28 days, five 9-hour shift types, "
        "2,400 weekly minutes over 4 weeks, 12 h rest, no night -> day, at most 6 days in a "
        "row, leave and day-off requests; demand with a day curve, low nights, weekends at 75% "
        "and a holiday at 50%; under-coverage weighted 100 per agent-interval, over 1.",
        "",
        "*short*: agent-intervals under demand (net of breaks, recomputed by the checker); "
        "*coverage*: agent-intervals covered / wanted; *bound*: proven lower bound of the "
        "objective (engine: the coverage-only aggregate model's bound, a relaxation of the "
        "problem; anchor: CP-SAT's bound of its own model, whose breaks are fixed at the most "
        "balanced pattern, so it bounds that model only and may exceed the engine's roster); "
        "*first*: seconds to the first roster the checker accepts (engine: a separate run "
        "stopped at its first roster; anchor: its first solution, model building included).",
        "",
        "| centre | model | limit s | valid | short | coverage | objective | bound | gap "
        "| first s |",
        "|---|---|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for size in sizes:
        problem = centre(size)
        anchor = run_straightforward(problem, limit)
        print(f"  {size}: straightforward done", file=sys.stderr, flush=True)
        engine = run_engine(problem, limit)
        print(f"  {size}: engine done", file=sys.stderr, flush=True)
        lines.append(_row(size, "straightforward", limit, anchor))
        lines.append(_row(size, "**engine**", limit, engine))
    big = centre(500)
    engine = run_engine_once(big, big_limit)
    lines.append(_row(500, "**engine**", big_limit, engine))
    load_after = os.getloadavg()
    lines += [
        "",
        f"500 x 28: *first* is the engine's first progress report (a complete roster) in the "
        f"same run. Whole benchmark {time.monotonic() - started:.0f} s; load average at the "
        f"end {load_after[0]:.2f} / {load_after[1]:.2f} / {load_after[2]:.2f}.",
        "",
    ]
    table = "\n".join(lines)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / ("roster-quick.md" if quick else "roster.md")).write_text(table, encoding="utf-8")
    return table


def _ortools_version() -> str:
    from importlib.metadata import version

    return version("ortools")


if __name__ == "__main__":
    print(run(quick=True if sys.argv[1:] == ["quick"] else None))
