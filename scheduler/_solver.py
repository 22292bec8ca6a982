"""The roster solver: builds the CP-SAT model from the rules, solves it, reports progress.

:func:`solve` is bounded and observable: always a time limit and a worker count (defaults suit
a 2-core machine), progress ``(objective, bound, seconds)`` through a callback at every improving
roster, cancellation through an event that keeps the best roster found so far. Only OPTIMAL and
FEASIBLE results are used; a solve that ends without a roster raises :class:`SolverError`.

Three strategies, chosen by size:

* up to :data:`WHOLE_MODEL_VARIABLES` agent x day x shift type Booleans
  (:data:`WHOLE_MODEL_VARIABLES_WITHOUT_DEMAND` when the problem has no demand intervals),
  the whole CP-SAT model
  (``scheduler._rules``) is solved at once; its bound is CP-SAT's proven bound of the objective
  and small problems end OPTIMAL;
* without demand intervals and up to :data:`HINTED_MODEL_VARIABLES`, the neighbourhood
  search below runs for a quarter of the time and the whole model, hinted with its roster,
  for the rest (the better roster is kept; the bound is the whole model's);
* on that path, where agents meet only in shift cover and the time limit allows, column
  generation (``scheduler._columns``: a master LP over whole rows, each agent's row priced by
  its own CP-SAT model, dives to rosters) runs between the search and the whole model;
* beyond, ``scheduler._lns`` builds the roster a few agents at a time and improves it by
  neighbourhood search (hard rules always whole, per agent), and the bound is the proven bound
  of the coverage-and-cover aggregate model (``scheduler._aggregate``): a relaxation of the
  roster model whose terms are a subset of the objective's, every other term being >= 0, so
  it is a lower bound of every roster's objective. Status OPTIMAL only when the roster meets it.

Either way the roster's penalty lines are the rules' exact amounts from the full model.

When no roster exists the error names the conflict in the supervisor's terms
(:class:`InfeasibleError` ``reasons``):

1. cheap pre-checks per agent and day: a fixed shift on a day off or leave day, a fixed night
   shift for an agent who is not night-eligible, a fixed shift type that cannot carry its
   art. 32 breaks, fixed shifts beyond ``max_shifts`` or in a forbidden succession, contract
   hours (art. 31) that no combination of the agent's allowed shift lengths reaches on the days
   available in an averaging block (leave credit, days off and ``max_consecutive_work_days``
   taken into account);
2. otherwise a second CP-SAT pass in which each hard rule of each agent is switched on by one
   assumption literal; CP-SAT's sufficient assumptions for infeasibility, shrunk by deletion,
   name a small set of conflicting (rule, agent) pairs.

A problem whose leave already breaks art. 40 is refused before anything else (ProblemError).
"""

from __future__ import annotations

import datetime as dt
import math
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import NoReturn, Protocol

from ortools.sat.python import cp_model

from scheduler import _columns
from scheduler._breaks import break_patterns, hand_out
from scheduler._errors import InfeasibleError, SolverError
from scheduler._lns import (
    STEP_SECONDS,
    GroupInfeasible,
    Outcome,
    State,
    free_variables,
    hint_roster,
    model_values,
    pinned,
    search,
)
from scheduler._problem import (
    Agent,
    Assignment,
    Break,
    CoverageLine,
    Penalty,
    Roster,
    RosterProblem,
    ShiftType,
    ensure_annual_leave_within_limit,
    leave_credit_minutes,
)
from scheduler._rules import (
    HARD_RULES_BY_NAME,
    Expr,
    RosterModel,
    SoftTerm,
    block_work_range,
    build,
)

DEFAULT_TIME_LIMIT_SECONDS = 60.0
DEFAULT_WORKERS = 2
# Up to this many agent x day x shift type Booleans one CP-SAT model is solved whole (with a
# proven bound, often to optimality); beyond, the roster is built and improved a few agents at
# a time (``scheduler._lns``).
WHOLE_MODEL_VARIABLES = 3000
# Without demand intervals (no coverage per interval, no break patterns: Booleans, counts and
# cover only, as in the Curtois & Qu instances) up to this many Booleans the whole model is
# solved at once, CP-SAT's whole portfolio interleaved on the workers (on a few workers): it
# proves Curtois 1 and 3 optimal within a minute. Beyond, interleaving still proves bounds
# 5-50 times higher but ends with worse rosters (6 and 7: 2,340 and 1,286 against 2,242 and
# 1,077 hinted as below).
WHOLE_MODEL_VARIABLES_WITHOUT_DEMAND = 1000
INTERLEAVE_WORKERS = 4
# Without demand intervals, beyond the whole model and up to this many Booleans: the
# neighbourhood search (steps of SEARCH_STEP_SECONDS) for a share of the time, then the whole
# model hinted with its roster (its LP bound is strong on such problems; CP-SAT's own
# neighbourhoods polish the roster). Up to HINT_WHOLE_VARIABLES Booleans the whole model
# gets most of the time (Curtois 6 and 7, 1,512 and 1,680 Booleans: 2,143 and 1,078 in a
# minute on 2 workers), beyond the search does (Curtois 15 and 19 at 60 s: 5,677 and 6,259
# with 90 % of the time to the search against 6,167 and 6,567 with half; a minute of the
# whole model alone: 6,997 on 15). Beyond HINTED_MODEL_VARIABLES the search alone (with the
# earlier 2 s steps and a quarter of the time, 23 (582,400 Booleans) was worse hinted:
# 189,821 against 178,060). Single runs: two runs of one instance differ by up to a third,
# as CP-SAT's parallel search depends on thread timing.
HINTED_MODEL_VARIABLES = 150_000
HINT_WHOLE_VARIABLES = 2500
HINT_SHARE = 0.25  # of the time for the search, up to HINT_WHOLE_VARIABLES Booleans
HINT_SEARCH_SHARE = 0.9  # beyond, also at long limits: capping the search at 60 s of 600 s
# gave Curtois 21 29,670 against 23,090 (13 forced through this path: 2,747 with 30 s of search,
# 2,973 with 540 s; single runs)
# Neighbourhood steps of 0.25 s instead of the search's 2 s: on Curtois instances nearly every
# step improves, so many short steps beat a few long ones (the search alone on 15 for 60 s:
# 6,557 with 2 s steps, 6,125 with 0.5 s, 5,390 with 0.25 s, 6,389 with 0.1 s).
SEARCH_STEP_SECONDS = 0.25
# Where agents meet only in shift cover (``scheduler._columns.applies``) and the time limit
# allows COLUMN_SECONDS_PER_VARIABLE per Boolean on 2 workers, the hinted path runs column
# generation (``scheduler._columns``) between the search and the whole model: the search
# for COLUMN_SEARCH_SHARE of the time (a first roster, the first columns), pricing and dives
# up to the last COLUMN_POLISH_SHARE, which the hinted whole model polishes. Its root LP
# settles after 25-30 pricing rounds of every agent (Curtois 8, 2,158 Booleans: 50-80 s on
# 2 workers; 15, 6,726 Booleans: about 200 s); with less time the dives start from an LP
# not yet settled.
COLUMN_SECONDS_PER_VARIABLE = 0.015
COLUMN_SEARCH_SHARE = 0.1
COLUMN_POLISH_SHARE = 0.15
_ONE_DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class SolveProgress:
    """An improving roster: its objective, the proven lower bound, seconds since the start.

    ``objective`` is the model's value of the roster, which the returned roster's recomputed
    objective never exceeds (they are equal at an optimum).
    """

    objective: int
    bound: int
    seconds: float


class StopSignal(Protocol):
    """Anything with ``is_set()``, such as :class:`threading.Event`."""

    def is_set(self) -> bool: ...


ProgressCallback = Callable[[SolveProgress], None]


def solve(
    problem: RosterProblem,
    *,
    time_limit_seconds: float = DEFAULT_TIME_LIMIT_SECONDS,
    workers: int = DEFAULT_WORKERS,
    on_progress: ProgressCallback | None = None,
    stop_event: StopSignal | None = None,
    seed: int = 0,
) -> Roster:
    """Solve ``problem`` into a roster (status OPTIMAL or FEASIBLE).

    Raises ProblemError (art. 40 leave conflict), InfeasibleError (no roster exists; reasons
    name the rules and agents) or SolverError (stopped without a roster: time limit or cancel).
    """
    if time_limit_seconds <= 0:
        raise ValueError("time_limit_seconds must be positive")
    if workers < 1:
        raise ValueError("workers must be at least 1")
    started = time.monotonic()
    ensure_annual_leave_within_limit(problem)
    reasons = precheck(problem)
    if reasons:
        raise InfeasibleError(reasons)

    size = shift_variables(problem)
    if problem.demand:
        whole = size <= WHOLE_MODEL_VARIABLES
    else:
        whole = size <= WHOLE_MODEL_VARIABLES_WITHOUT_DEMAND
        if not whole and size <= HINTED_MODEL_VARIABLES:
            return _solve_hinted(problem, time_limit_seconds, workers, on_progress, stop_event,
                                 seed, started, size)
    if not whole:
        return _solve_at_scale(problem, time_limit_seconds, workers, on_progress, stop_event,
                               seed, started)

    m, terms = build(problem)
    _add_hints(m)
    solver = _solver(time_limit_seconds - (time.monotonic() - started), workers, seed)
    if not problem.demand and workers <= INTERLEAVE_WORKERS:
        solver.parameters.interleave_search = True
    if problem.previous_roster is not None:
        # A re-plan starts from the previous roster, which the change made infeasible:
        # repairing that hint first finds the few-moves roster fast, even on a busy machine.
        solver.parameters.repair_hint = True
    status = _run(solver, m, _Progress(on_progress, stop_event, started), stop_event)
    if status == cp_model.INFEASIBLE:
        remaining = max(1.0, time_limit_seconds - (time.monotonic() - started))
        raise InfeasibleError(explain_infeasibility(problem, remaining, seed))
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        if stop_event is not None and stop_event.is_set():
            raise SolverError("the solve was cancelled before any roster was found")
        raise SolverError(
            f"no roster found within the time limit of {time_limit_seconds:g} s "
            f"(CP-SAT status {solver.status_name(status)}); try a longer time limit"
        )
    return _roster(
        problem, m, terms, _values(solver),
        optimal=status == cp_model.OPTIMAL,
        bound=_integer_bound(solver.best_objective_bound),
        seconds=time.monotonic() - started,
    )


def _run(solver: cp_model.CpSolver, m: RosterModel, callback: _Progress,
         stop_event: StopSignal | None) -> int:
    """Solve the whole model: CP-SAT's status; errors of the progress callback are raised."""
    watcher = _Watcher(solver, stop_event)
    watcher.start()
    try:
        status = solver.solve(m.model, callback)
    finally:
        watcher.finish()
    if callback.error is not None:
        raise callback.error
    if status == cp_model.MODEL_INVALID:
        raise SolverError(f"internal error: invalid CP-SAT model: {m.model.validate()}")
    return int(status)


def _values(solver: cp_model.CpSolver) -> Callable[[Expr], int]:
    def value(expr: Expr) -> int:
        return int(solver.value(expr))

    return value


def shift_variables(problem: RosterProblem) -> int:
    """How many agent x day x shift type Booleans the whole model has."""
    return sum(free_variables(problem))


def _solve_at_scale(
    problem: RosterProblem,
    time_limit_seconds: float,
    workers: int,
    on_progress: ProgressCallback | None,
    stop_event: StopSignal | None,
    seed: int,
    started: float,
) -> Roster:
    """Construction, aggregate bound and neighbourhood search (``scheduler._lns``).

    The roster's bound is the aggregate model's proven bound: a lower bound of the coverage
    and cover penalties, hence of the objective (every other penalty is >= 0).
    """
    deadline = started + time_limit_seconds
    outcome = _search(problem, deadline, _reserve(problem, time_limit_seconds), workers,
                      on_progress, stop_event, seed, started, aggregate=True)
    if outcome is None:
        _no_roster(time_limit_seconds, stop_event)
    return _searched_roster(problem, outcome, outcome.bound, started)


def _solve_hinted(
    problem: RosterProblem,
    time_limit_seconds: float,
    workers: int,
    on_progress: ProgressCallback | None,
    stop_event: StopSignal | None,
    seed: int,
    started: float,
    size: int,
) -> Roster:
    """Problems without demand intervals, mid-sized (``size`` shift Booleans): the
    neighbourhood search for :data:`HINT_SHARE` of the time (:data:`HINT_SEARCH_SHARE` beyond
    :data:`HINT_WHOLE_VARIABLES` Booleans), then the whole model hinted with its roster.

    The whole model's LP bound is strong on such problems but CP-SAT's first rosters are poor;
    the search's roster is a good start for CP-SAT's own neighbourhood search over the whole
    model. The roster kept is the better of the two; the bound is the whole model's.

    Where column generation applies and the time allows it (:data:`COLUMN_SECONDS_PER_VARIABLE`)
    it runs between the two (``scheduler._columns``) and its Lagrangian bound counts too.
    """
    deadline = started + time_limit_seconds
    share = HINT_SHARE if size <= HINT_WHOLE_VARIABLES else HINT_SEARCH_SHARE
    columns = (_columns.applies(problem)
               and time_limit_seconds * workers >= COLUMN_SECONDS_PER_VARIABLE * 2 * size)
    if columns:
        share = COLUMN_SEARCH_SHARE
    outcome = _search(problem, started + share * time_limit_seconds, 0.0, workers,
                      on_progress, stop_event, seed, started, aggregate=False,
                      step_seconds=SEARCH_STEP_SECONDS)
    cg_bound = 0
    if columns and outcome is not None and not (stop_event is not None and stop_event.is_set()):
        reporter = _Reporter(on_progress, stop_event, started)
        outcome = _columns.price_and_dive(
            problem, outcome.state,
            deadline=started + (1 - COLUMN_POLISH_SHARE) * time_limit_seconds,
            workers=workers, seed=seed, stop_event=reporter.stop, report=reporter.report)
        reporter.raise_error()
        cg_bound = outcome.bound
        if outcome.optimal:
            return _searched_roster(problem, outcome, outcome.bound, started)
    if stop_event is not None and stop_event.is_set():
        if outcome is None:
            _no_roster(time_limit_seconds, stop_event)
        return _searched_roster(problem, outcome, outcome.bound, started)
    m, terms = build(problem)
    best = None  # no roster from the search's share: the whole model alone, if time is left
    if outcome is not None:
        state = outcome.state
        hint_roster(m, terms, model_values(m, _rows(state), state.patterns))
        best = state.objective
    remaining = deadline - time.monotonic() - _reserve(problem, time_limit_seconds)
    status = int(cp_model.UNKNOWN)
    solver = _solver(remaining, workers, seed)
    if remaining > 0.1:
        status = _run(solver, m, _Progress(on_progress, stop_event, started, below=best,
                                           floor=cg_bound), stop_event)
    found = status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    bound = max(cg_bound, _integer_bound(solver.best_objective_bound) if found else 0)
    if found and (best is None or round(solver.objective_value) <= best):
        return _roster(problem, m, terms, _values(solver), optimal=status == cp_model.OPTIMAL,
                       bound=bound, seconds=time.monotonic() - started)
    if outcome is None:
        if status == cp_model.INFEASIBLE:
            remaining = max(1.0, deadline - time.monotonic())
            raise InfeasibleError(explain_infeasibility(problem, remaining, seed))
        _no_roster(time_limit_seconds, stop_event)
    return _searched_roster(problem, outcome, max(bound, outcome.bound), started)


def _reserve(problem: RosterProblem, time_limit_seconds: float) -> float:
    """Seconds kept to write the roster, which re-evaluates every line."""
    lines = (2 * (len(problem.demand) + len(problem.cover))
             + sum(len(agent.requests) for agent in problem.agents))
    return min(0.1 * time_limit_seconds,
               1.0 + 1e-4 * lines + 5e-5 * len(problem.agents) * problem.days)


def _search(
    problem: RosterProblem,
    deadline: float,
    reserve: float,
    workers: int,
    on_progress: ProgressCallback | None,
    stop_event: StopSignal | None,
    seed: int,
    started: float,
    *,
    aggregate: bool,
    step_seconds: float = STEP_SECONDS,
) -> Outcome | None:
    """``scheduler._lns.search`` with progress reports; None when it found no roster."""
    reporter = _Reporter(on_progress, stop_event, started)
    try:
        outcome = search(problem, deadline=deadline, workers=workers, seed=seed,
                         stop_event=reporter.stop, report=reporter.report, reserve=reserve,
                         aggregate=aggregate, step_seconds=step_seconds)
    except GroupInfeasible as exc:
        remaining = max(1.0, deadline - time.monotonic())
        raise InfeasibleError(explain_infeasibility(exc.problem, remaining, seed)) from None
    reporter.raise_error()
    return outcome


class _Reporter:
    """Progress reports ``(objective, bound)`` from the search or the column generation; an
    error of the callback stops them (``stop``) and is raised after (``raise_error``)."""

    def __init__(self, on_progress: ProgressCallback | None, stop_event: StopSignal | None,
                 started: float) -> None:
        self.on_progress = on_progress
        self.started = started
        self.failure = threading.Event()
        self.stop = _Either(stop_event, self.failure)
        self.errors: list[Exception] = []

    def report(self, objective: int, bound: int) -> None:
        if self.on_progress is None or self.errors:
            return
        try:
            self.on_progress(SolveProgress(objective, min(bound, objective),
                                           time.monotonic() - self.started))
        except Exception as exc:  # reported after the solve, as with the whole model
            self.errors.append(exc)
            self.failure.set()

    def raise_error(self) -> None:
        if self.errors:
            raise self.errors[0]


def _no_roster(time_limit_seconds: float, stop_event: StopSignal | None) -> NoReturn:
    if stop_event is not None and stop_event.is_set():
        raise SolverError("the solve was cancelled before any roster was found")
    raise SolverError(
        f"no roster found within the time limit of {time_limit_seconds:g} s; "
        "try a longer time limit"
    )


def _searched_roster(problem: RosterProblem, outcome: Outcome, bound: int,
                     started: float) -> Roster:
    """The search's roster with the rules' exact penalty lines."""
    state = outcome.state
    rows = _rows(state)
    # Never solved: the model of this roster (every agent pinned to its rows, no other hard
    # rule: the search kept them) writes the rules' exact penalty lines.
    m, terms = build(pinned(problem, rows), constraints=False)
    return _roster(
        problem, m, terms, model_values(m, rows, state.patterns),
        optimal=outcome.optimal, bound=bound, seconds=time.monotonic() - started,
    )


def _rows(state: State) -> list[list[str | None]]:
    rows = [row for row in state.rows if row is not None]
    if len(rows) != len(state.rows):
        raise SolverError("internal error: an agent has no roster")
    return rows


class _Either:
    """Set when either of two stop signals is."""

    def __init__(self, first: StopSignal | None, second: threading.Event) -> None:
        self.first = first
        self.second = second

    def is_set(self) -> bool:
        return self.second.is_set() or (self.first is not None and self.first.is_set())


# --------------------------------------------------------------------------- solving


def _solver(time_limit: float, workers: int, seed: int) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.1, time_limit)
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    return solver


def _add_hints(m: RosterModel) -> None:
    """Warm start from the previous roster: its shifts on, everything else off."""
    previous = m.problem.previous_roster
    if previous is None:
        return
    before = {(item.agent, item.date, item.shift) for item in previous.assignments}
    for agent, days in zip(m.problem.agents, m.shifts_of, strict=True):
        for date, allowed in zip(m.problem.dates, days, strict=True):
            for shift, var in allowed.items():
                m.model.add_hint(var, (agent.id, date, shift) in before)


class _Progress(cp_model.CpSolverSolutionCallback):
    """Reports each improving roster and stops the search when cancelled."""

    def __init__(
        self, on_progress: ProgressCallback | None, stop_event: StopSignal | None, started: float,
        below: int | None = None, floor: int = 0,
    ) -> None:
        super().__init__()
        self.floor = floor  # a bound proven before (the column generation's)
        self.on_progress = on_progress
        self.stop_event = stop_event
        self.started = started
        self.below = below  # report only rosters better than this (one already reported)
        self.error: Exception | None = None

    def on_solution_callback(self) -> None:
        if (self.on_progress is not None and self.error is None
                and (self.below is None or round(self.objective_value) < self.below)):
            progress = SolveProgress(
                objective=round(self.objective_value),
                bound=max(self.floor, _integer_bound(self.best_objective_bound)),
                seconds=time.monotonic() - self.started,
            )
            try:
                self.on_progress(progress)
            except Exception as exc:  # reported after the solve, not inside CP-SAT
                self.error = exc
                self.stop_search()
        if self.stop_event is not None and self.stop_event.is_set():
            self.stop_search()


class _Watcher:
    """Stops the search when ``stop_event`` is set, even before the first roster is found."""

    def __init__(self, solver: cp_model.CpSolver, stop_event: StopSignal | None) -> None:
        self.solver = solver
        self.stop_event = stop_event
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        if self.stop_event is not None:
            self.thread.start()

    def _run(self) -> None:
        assert self.stop_event is not None
        while not self.done.wait(0.05):
            if self.stop_event.is_set():
                self.solver.stop_search()

    def finish(self) -> None:
        self.done.set()
        if self.thread.is_alive():
            self.thread.join()


# --------------------------------------------------------------------------- the roster


def _roster(
    problem: RosterProblem,
    m: RosterModel,
    terms: list[SoftTerm],
    value: Callable[[Expr], int],
    *,
    optimal: bool,
    bound: int,
    seconds: float,
) -> Roster:
    on_shift: dict[tuple[int, str], list[str]] = defaultdict(list)
    for agent, days in zip(problem.agents, m.shifts_of, strict=True):
        for day, allowed in enumerate(days):
            for shift, var in allowed.items():
                if value(var):
                    on_shift[day, shift].append(agent.id)

    assignments: list[Assignment] = []
    for (day, shift_id), agents in sorted(on_shift.items()):
        shift_type = problem.shift_types_by_id[shift_id]
        date = problem.dates[day]
        start, end = problem.shift_window(shift_id, date)
        first = m.windows[shift_id][day][0]
        agents.sort()
        pattern_of: dict[str, int] = {}
        if problem.breaks_due(shift_type):
            items = m.pattern_counts.get((day, shift_id), [])
            counts = [(item.index, value(item.var)) for item in items]
            pattern_of = dict(hand_out(agents, counts or [(0, len(agents))]))
        for agent_id in agents:
            breaks: tuple[Break, ...] = ()
            if agent_id in pattern_of:
                pattern = m.patterns[shift_id][pattern_of[agent_id]]
                breaks = tuple(
                    Break(kind=kind, start=_local(problem, first + offset), minutes=minutes)
                    for kind, offset, minutes in pattern.breaks
                )
            assignments.append(
                Assignment(
                    agent=agent_id,
                    date=date,
                    shift=shift_id,
                    start=start.replace(tzinfo=None),
                    end=end.replace(tzinfo=None),
                    breaks=breaks,
                )
            )
    assignments.sort(key=lambda item: (item.agent, item.date))

    length = problem.interval_minutes
    coverage = []
    for demand in sorted(problem.demand, key=lambda item: problem.minute_of(item.start)):
        minute = problem.minute_of(demand.start)
        on = value(m.on_phones[minute][0]) if minute in m.on_phones else 0
        on_phones: int | float = on // length if on % length == 0 else on / length
        coverage.append(
            CoverageLine(start=_local(problem, minute), required=demand.agents, on_phones=on_phones)
        )

    penalties = [
        Penalty(rule=term.rule, subject=term.subject, amount=amount)
        for term in terms
        if (amount := term.amount(value))
    ]
    objective = sum(int(line.amount) for line in penalties)
    bound = min(objective, bound)
    return Roster(
        problem=problem.name,
        status="OPTIMAL" if optimal or bound == objective else "FEASIBLE",
        objective=objective,
        bound=bound,
        seconds=round(seconds, 3),
        assignments=tuple(assignments),
        coverage=tuple(coverage),
        penalties=tuple(penalties),
    )


def _integer_bound(bound: float) -> int:
    """CP-SAT's bound as an integer: every penalty is a non-negative integer, so the optimum is
    an integer >= 0 and rounding the proven bound up (or taking 0) keeps it a proven bound."""
    return max(0, math.ceil(bound - 1e-6)) if math.isfinite(bound) else 0


def _local(problem: RosterProblem, minute: int) -> dt.datetime:
    return problem.at_minute(minute).replace(tzinfo=None)


# --------------------------------------------------------------------------- pre-checks


def usable_shift_types(problem: RosterProblem) -> dict[str, bool]:
    """Whether each shift type can carry its art. 32 breaks (short ones always can)."""
    rules = problem.rules.breaks
    return {
        s.id: not problem.breaks_due(s)
        or bool(break_patterns(s.duration_minutes, rules, interval_minutes=1))
        for s in problem.shift_types
    }


def precheck(problem: RosterProblem) -> list[str]:
    """Conflicts visible without search, in the supervisor's terms (empty: none found)."""
    usable = usable_shift_types(problem)
    reasons: list[str] = []
    breaks = problem.rules.breaks
    for shift in problem.shift_types:
        if not usable[shift.id]:
            fixed_to = sorted(a.id for a in problem.agents for e in a.fixed if e.shift == shift.id)
            if fixed_to:
                reasons.append(
                    f"art. 32 breaks: shift type {shift.id} ({shift.duration_minutes} min) cannot "
                    f"carry a {breaks.meal_minutes}-minute meal and a {breaks.rest_minutes}-minute "
                    f"rest with at most {breaks.max_continuous_work_minutes} minutes of continuous "
                    f"work, but {_names(fixed_to)} {'is' if len(fixed_to) == 1 else 'are'} "
                    "fixed to it"
                )
    for agent in problem.agents:
        reasons += _fixed_reasons(problem, agent)
        reasons += _hours_reasons(problem, agent, usable)
    return reasons


def _names(ids: list[str]) -> str:
    return ids[0] if len(ids) == 1 else ", ".join(ids[:-1]) + f" and {ids[-1]}"


def _fixed_reasons(problem: RosterProblem, agent: Agent) -> Iterable[str]:
    kinds = {entry.date: entry.kind for entry in agent.leave}
    days_off = set(agent.days_off)
    fixed = {entry.date: entry.shift for entry in agent.fixed}
    for date, shift_id in sorted(fixed.items()):
        what = shift_id or "a shift"
        if date in kinds:
            yield (
                f"fixed_assignments: {agent.id}: fixed to {what} on {date}, "
                f"a day of {kinds[date]} leave (leave)"
            )
        elif date in days_off:
            yield f"fixed_assignments: {agent.id}: fixed to {what} on {date}, a day off (days_off)"
        shift = problem.shift_types_by_id.get(shift_id or "")
        if shift is not None and shift.night and not agent.night_eligible:
            yield (
                f"night_eligibility: {agent.id}: fixed to night shift {shift.id} on {date}, "
                f"but {agent.id} is not night-eligible"
            )
    counts: dict[str, int] = defaultdict(int)
    for shift_id in fixed.values():
        if shift_id:
            counts[shift_id] += 1
    for shift_id, limit in sorted(agent.contract.max_shifts.items()):
        if counts[shift_id] > limit:
            yield (
                f"max_shifts_per_type: {agent.id}: fixed to {counts[shift_id]} {shift_id} shifts, "
                f"but at most {limit} are allowed"
            )
    forbidden = set(problem.rules.forbidden_successions)
    limit = problem.rules.min_rest_minutes
    for date, shift_id in sorted(fixed.items()):
        following = fixed.get(date + _ONE_DAY)
        if not shift_id or not following:
            continue
        if (shift_id, following) in forbidden:
            yield (
                f"forbidden_successions: {agent.id}: fixed to {shift_id} on {date} and "
                f"{following} the next day"
            )
            continue
        end = problem.minute_of(problem.shift_window(shift_id, date)[1])
        start = problem.minute_of(problem.shift_window(following, date + _ONE_DAY)[0])
        if start - end < limit:
            yield (
                f"min_rest_between_shifts: {agent.id}: fixed to {shift_id} on {date} and "
                f"{following} the next day leaves {start - end} minutes of rest < {limit}"
            )


def _allowed(problem: RosterProblem, agent: Agent, usable: dict[str, bool]) -> list[ShiftType]:
    limits = agent.contract.max_shifts
    return [
        s
        for s in problem.shift_types
        if usable[s.id] and (agent.night_eligible or not s.night) and limits.get(s.id) != 0
    ]


def _max_work_days(problem: RosterProblem, agent: Agent, first: int, days: int) -> int:
    """Most days the agent can work in ``[first, first + days)`` (availability, runs)."""
    limit = agent.contract.max_consecutive_work_days or days
    worked, run = 0, 0
    for date in problem.dates[first : first + days]:
        if date in agent.unavailable_dates or run >= limit:
            run = 0
        else:
            worked, run = worked + 1, run + 1
    return worked


def _reachable(shifts: list[ShiftType], problem: RosterProblem, agent: Agent, days: int,
               ceiling: int) -> set[int]:
    """Work-minute totals reachable with at most ``days`` of the given shift types (<= ceiling)."""
    fewest: dict[int, int] = {0: 0}  # total -> fewest shifts reaching it
    limits = agent.contract.max_shifts
    # shift types of one length are interchangeable here: one pass per length, with their
    # limits added up (years with dozens of shift types would otherwise take seconds)
    most: dict[int, int] = defaultdict(int)
    for shift in shifts:
        minutes = problem.work_minutes(shift)
        most[minutes] = min(days, most[minutes] + limits.get(shift.id, days))
    for minutes, count in sorted(most.items()):
        for _ in range(count):
            grown = {
                total + minutes: used + 1
                for total, used in fewest.items()
                if used < days and total + minutes <= ceiling
            }
            changed = False
            for total, used in grown.items():
                if used < fewest.get(total, days + 1):
                    fewest[total] = used
                    changed = True
            if not changed:
                break
    return set(fewest)


def _hours_reasons(problem: RosterProblem, agent: Agent, usable: dict[str, bool]) -> Iterable[str]:
    contract = agent.contract
    shifts = _allowed(problem, agent, usable)
    lengths = ", ".join(sorted({f"{problem.work_minutes(s)}" for s in shifts})) or "none"
    if contract.weekly_minutes is not None:
        blocks = problem.averaging_blocks(contract.averaging_weeks)
        weeks_per_block = contract.averaging_weeks or math.ceil(problem.days / 7)
        for index, block in enumerate(blocks):
            lo, hi = block_work_range(problem, agent, block.first, block.days)
            first = problem.day_index(block.first)
            days = _max_work_days(problem, agent, first, block.days)
            reachable = _reachable(shifts, problem, agent, days, max(hi, 0) + 2000)
            if any(lo <= total <= hi for total in reachable):
                continue
            week_1 = index * weeks_per_block + 1
            week_n = week_1 + math.ceil(block.days / 7) - 1
            leave_days = len(agent.leave_dates & set(block.dates))
            credit = leave_credit_minutes(contract.weekly_minutes)
            below = max((t for t in reachable if t < lo), default=None)
            above = min((t for t in reachable if t > hi), default=None)
            closest = " or ".join(f"{t:,}" for t in (below, above) if t is not None)
            need = f"{lo:,}" if lo == hi else f"{lo:,}..{hi:,}"
            yield (
                f"art. 31 contract_hours: {agent.id}: {contract.weekly_minutes:,} weekly minutes "
                "cannot be reached with the allowed shift lengths over weeks "
                f"{week_1}\u2013{week_n} "
                f"({block.first}..{block.dates[-1]}: {need} work minutes needed after "
                f"{leave_days} leave day(s) x {float(credit):g}; shifts of {lengths} work minutes "
                f"on at most {days} of {block.days} days; closest possible {closest or 'none'})"
            )
    low, high = contract.min_work_minutes, contract.max_work_minutes
    if low is not None or high is not None:
        days = _max_work_days(problem, agent, 0, problem.days)
        ceiling = (high if high is not None else low or 0) + 2000
        reachable = _reachable(shifts, problem, agent, days, ceiling)
        if not any((low or 0) <= total <= (high if high is not None else ceiling)
                   for total in reachable):
            yield (
                f"art. 31 min_work_minutes/max_work_minutes: {agent.id}: {low or 0:,}.."
                f"{high if high is not None else 'any':} work minutes over the horizon cannot be "
                f"reached with shifts of {lengths} work minutes on at most {days} days"
            )


# --------------------------------------------------------------------------- explanation


def explain_infeasibility(problem: RosterProblem, time_limit_seconds: float, seed: int = 0) -> list[
    str
]:
    """A small set of conflicting (rule, agent) pairs, via assumptions and CP-SAT's core."""
    started = time.monotonic()
    m, _ = build(problem, explain=True)
    keys = {var.index: key for key, var in m.guards.items()}

    def infeasible_core(assumed: list[int]) -> list[int] | None:
        """The core (guard indexes) if infeasible under ``assumed``, else None."""
        remaining = time_limit_seconds - (time.monotonic() - started)
        if remaining <= 0.05:
            return None
        m.model.clear_assumptions()
        m.model.add_assumptions([m.guards[keys[i]] for i in assumed])
        solver = _solver(remaining, 1, seed)
        if solver.solve(m.model) != cp_model.INFEASIBLE:
            return None
        return [i for i in solver.sufficient_assumptions_for_infeasibility() if i in keys]

    core = infeasible_core(sorted(keys))
    if core is None:
        return [
            "the hard rules conflict, but no small set of conflicting rules was found within "
            f"{time_limit_seconds:g} s"
        ]
    for index in list(core):  # deletion: drop every assumption not needed for the conflict
        if index not in core or len(core) <= 1:
            continue
        smaller = infeasible_core([i for i in core if i != index])
        if smaller is not None:
            core = smaller
    if not core:
        return ["the hard rules conflict for every agent together (no single rule to blame)"]
    reasons = []
    for rule, agent in sorted((keys[i] for i in core), key=lambda key: (key[1], key[0])):
        reasons.append(HARD_RULES_BY_NAME[rule].explain(problem.agents[agent], problem))
    return reasons


