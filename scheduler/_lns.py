"""Solving at scale: build a roster a few agents at a time, bound it, improve it.

The hard rules of art. 30-40 bind each agent alone (art. 40 is about leave, which is input);
agents meet only in the objective (coverage, cover, fairness). So the roster is built and
improved a few agents at a time, each time with the hard-rule functions of ``scheduler._rules``
on a small CP-SAT model of just those agents; whatever such a model returns obeys every hard
rule of its agents, so every roster of the search passes the checker.

1. **Construction**: agents in small groups (most constrained first, ties in seeded order).
   A group's model has its agents' Booleans and hard rules, and a concave estimate of what
   each added agent on a (day, shift type) is worth against the demand the agents placed so
   far leave uncovered (breaks spread evenly), plus the agents' requests and changes. No
   interval or break variables, so it solves in a fraction of a second. A group whose model
   is infeasible holds an agent whose own rules conflict: the caller explains that group; a
   lone agent not solved in time is tried again with twice the time. On horizons longer than
   four weeks each agent first gets a *sketch* (:meth:`Planner.sketch`, a row built day by day
   that keeps pace with its work minutes and goes where cover is wanted), taken when the hard
   rules hold for it (:meth:`Planner.holds`, the rule functions on the pinned row): a year
   with tight totals is hard for CP-SAT to find from nothing and quick to check.
   Breaks are then handed out greedily against demand (:meth:`Planner.place_breaks`).
2. **Aggregate bound** (``scheduler._aggregate``): the coverage-and-cover relaxation, whose
   proven bound is the roster's bound (every other penalty is >= 0).
3. **Neighbourhood search**: take a few agents out - whole rows (at random, from one team, or
   those on one (day, shift type)) or, on horizons of two weeks and more, many agents over a
   window of one to four weeks with the rest of their rows pinned - put them back with the
   construction model against everybody else, starting from their current rows (hinted, so a
   step never makes the model's estimate worse), re-hand the breaks and keep the roster when
   its exact objective is no worse. Each kind's size grows while its models are solved to
   optimality and shrinks when they are not. Every 30 s, and once at the end, CP-SAT
   re-places every break of the roster with every shift fixed
   (:meth:`Planner.optimise_breaks`, the same rule functions with a fixed
   :class:`~scheduler._rules.Background`).

The objective is computed exactly for every candidate (:meth:`Planner.objective`, the rules'
arithmetic without a model; a test holds it equal to the rules' exact penalty lines), and the
returned roster's lines are recomputed from the full model by the caller.

Every CP-SAT call has a time limit and is stopped by the cancel event; the best roster so far
is kept. Neighbourhoods come from ``random.Random(seed)``; as with CP-SAT's own parallel search
under a wall-clock limit, how many steps fit in the time limit depends on the machine.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Protocol

from ortools.sat.python import cp_model, cp_model_helper

from scheduler._aggregate import solve_aggregate
from scheduler._problem import Agent, Fixed, RosterProblem
from scheduler._rules import (
    HARD_RULES,
    Background,
    Expr,
    RosterModel,
    SoftTerm,
    agent_requests,
    allowed_shifts,
    build,
    change_from_previous,
    distinct_patterns,
    weekends,
)

Rows = list[str | None]
Patterns = dict[tuple[int, str], dict[int, int]]

# Sizes in "free shift variables" (agent x day x allowed shift type) per group.
_CONSTRUCT_SIZE = 500
_MIN_SIZE = 150
_SKETCH_DAYS = 28  # longer horizons start each agent from a sketched row
# (share of the horizon by which a sketch reaches its work target, steered by cover or not)
_SKETCH_LEADS = ((0.75, True), (0.6, True), (0.75, False), (0.6, False), (0.9, False),
                 (0.5, False))
_MAX_SIZE = 6000.0  # largest neighbourhood, in free shift variables
STEP_SECONDS = 2.0  # time limit of one group's solve (construction; the search's default)
_BREAKS_EVERY = 30.0  # seconds between two re-placements of every break by CP-SAT
_BREAKS_SECONDS = 10.0
_BREAKS_LAST = 0.05  # share of the time limit kept for the last re-placement
_AGGREGATE_SHARE = 0.25  # of the time left after construction, for the aggregate bound
_AGGREGATE_SECONDS = (10.0, 60.0)  # at least (its bound needs a few LP rounds), at most
_AGGREGATE_BUILD = 6e-6  # seconds to build the aggregate model per day x shift type x agent


class StopSignal(Protocol):
    def is_set(self) -> bool: ...


@dataclass
class State:
    """A roster in the search: each agent's shift per day, and the break pattern counts."""

    rows: list[Rows | None]
    patterns: Patterns = field(default_factory=dict)
    objective: int = 0


@dataclass(frozen=True)
class Outcome:
    """The search's best roster and what is known about it."""

    state: State
    bound: int
    optimal: bool


class GroupInfeasible(Exception):
    """The hard rules of some agent of ``problem`` (a group of agents) conflict."""

    def __init__(self, problem: RosterProblem) -> None:
        super().__init__(f"{len(problem.agents)} agent(s) cannot be rostered")
        self.problem = problem


# --------------------------------------------------------------------------- values


def model_values(m: RosterModel, rows: Sequence[Rows], patterns: Patterns) -> Callable[[Expr], int]:
    """The value of any expression of ``m``'s penalty lines for a roster given as rows.

    Knows the shift, day, count and pattern variables (everything a line's exact amount is made
    of); an expression over any other variable is a bug and raises KeyError.
    """
    values: dict[int, int] = {}
    for allowed_days, works, row in zip(m.shifts_of, m.works, rows, strict=True):
        for day, allowed in enumerate(allowed_days):
            for shift, var in allowed.items():
                values[var.index] = int(row[day] == shift)
            lit = works[day] if works else None
            if lit is not None:
                values[lit.index] = int(row[day] is not None)
    on_shift: Counter[tuple[int, str]] = Counter(
        (day, shift) for row in rows for day, shift in enumerate(row) if shift is not None
    )
    fixed = m.background.counts if m.background is not None else {}
    for key, (expr, _) in m._counts.items():
        if isinstance(expr, cp_model.IntVar):
            values[expr.index] = on_shift[key] + fixed.get(key, 0)
    for key, items in m.pattern_counts.items():
        taken = patterns.get(key, {})
        for item in items:
            if not isinstance(item.var, int):
                values[item.var.index] = taken.get(item.index, 0)
    flat: dict[int, tuple[list[int], list[int], int]] = {}

    def value(expr: Expr) -> int:
        if isinstance(expr, int):
            return expr
        key = id(expr)
        if key not in flat:
            flat[key] = _flatten(expr)
        indexes, coefficients, offset = flat[key]
        return offset + sum(c * values[i] for i, c in zip(indexes, coefficients, strict=True))

    return value


def _flatten(expr: cp_model.LinearExpr) -> tuple[list[int], list[int], int]:
    """``expr`` as (variable indexes, coefficients, offset)."""
    flat = cp_model_helper.FlatIntExpr(expr)
    return [var.index for var in flat.vars], list(flat.coeffs), int(flat.offset)


def exact_objective(terms: Sequence[SoftTerm], value: Callable[[Expr], int]) -> int:
    return sum(term.amount(value) for term in terms)


def pin(problem: RosterProblem, agent: Agent, row: Rows, free: range = range(0)) -> Agent:
    """The agent held to ``row`` outside the days ``free``: a worked day becomes a fixed shift,
    a day off a day off (leave stays leave)."""
    dates = problem.dates
    kept = [d for d in range(len(dates)) if d not in free]
    fixed = {entry.date: entry for entry in agent.fixed}
    for d in kept:
        if row[d] is not None:
            fixed[dates[d]] = Fixed(date=dates[d], shift=row[d])
    off = [dates[d] for d in kept if row[d] is None and dates[d] not in agent.unavailable_dates]
    return agent.model_copy(update={
        "fixed": tuple(sorted(fixed.values(), key=lambda entry: entry.date)),
        "days_off": tuple(agent.days_off) + tuple(off),
    })


def pinned(problem: RosterProblem, rows: Sequence[Rows]) -> RosterProblem:
    """The problem with every agent pinned to its row: its model has one variable per shift
    worked, so it evaluates a roster's penalty lines quickly whatever the horizon."""
    return problem.model_copy(update={"agents": tuple(
        pin(problem, agent, row) for agent, row in zip(problem.agents, rows, strict=True))})


# --------------------------------------------------------------------------- small models


@contextmanager
def watching(solver: cp_model.CpSolver, stop_event: StopSignal | None) -> Iterator[None]:
    """Stop ``solver`` as soon as ``stop_event`` is set (checked every 50 ms)."""
    if stop_event is None:
        yield
        return
    done = threading.Event()

    def run() -> None:
        while not done.wait(0.05):
            if stop_event.is_set():
                solver.stop_search()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()


class Planner:
    """Builds and solves the small model of a set of free agents given the rest of a roster."""

    def __init__(self, problem: RosterProblem, workers: int, seed: int,
                 stop_event: StopSignal | None) -> None:
        self.problem = problem
        self.workers = workers
        self.seed = seed
        self.stop_event = stop_event
        self.nights = {s.id for s in problem.shift_types if s.night}
        self.weekend_days = sorted(d for days in weekends(problem).values() for d in days)
        self.calls = 0
        self.base = RosterModel(problem.model_copy(update={"agents": ()}))
        self.length = problem.interval_minutes
        self.demand = {problem.minute_of(item.start): item for item in problem.demand}
        self.cover = {(problem.day_index(item.date), item.shift): item for item in problem.cover}
        self.profiles: dict[tuple[int, str], dict[int, int]] = {}
        self.options: dict[tuple[int, str], list[tuple[int, dict[int, int]]]] = {}
        self.allowed = [allowed_shifts(problem, agent, list(problem.shift_types))
                        for agent in problem.agents]
        self.proved = False  # whether the last construct() proved its rows optimal

    # -- shared helpers ------------------------------------------------------------------

    def profile(self, day: int, shift: str) -> dict[int, int]:
        """Minutes of a whole (day, shift type) in each demand interval (breaks not taken off)."""
        key = (day, shift)
        if key not in self.profiles:
            duration = self.problem.shift_types_by_id[shift].duration_minutes
            self.profiles[key] = self.base.demand_profile(day, shift, [(0, duration)])
        return self.profiles[key]

    def pattern_options(self, day: int, shift: str) -> list[tuple[int, dict[int, int]]]:
        key = (day, shift)
        if key not in self.options:
            self.options[key] = (
                distinct_patterns(self.base, day, shift)
                if self.base.patterns.get(shift) and self.base.overlaps_demand(day, shift)
                else []
            )
        return self.options[key]

    def background(self, state: State, free: set[int]) -> Background:
        counts: Counter[tuple[int, str]] = Counter()
        nights: defaultdict[str, list[int]] = defaultdict(list)
        weekend: defaultdict[str, list[int]] = defaultdict(list)
        for a, row in enumerate(state.rows):
            if a in free or row is None:
                continue
            agent = self.problem.agents[a]
            for day, shift in enumerate(row):
                if shift is not None:
                    counts[day, shift] += 1
            if agent.night_eligible:
                nights[agent.team].append(sum(1 for s in row if s in self.nights))
            weekend[agent.team].append(sum(1 for d in self.weekend_days if row[d] is not None))
        return Background(dict(counts), dict(nights), dict(weekend), state.patterns)

    def subproblem(
        self,
        free: Sequence[int],
        *,
        current: Sequence[Rows] | None = None,
        window: range | None = None,
    ) -> RosterProblem:
        """The problem of the free agents alone.

        With ``window``, each free agent keeps its ``current`` row outside those days: a worked
        day becomes a fixed shift and a day off a day off, so the agent's hard rules still hold
        over the whole horizon while only the window is decided (and the model has no variable
        elsewhere).
        """
        agents = tuple(self.problem.agents[a] for a in free)
        if window is not None and current is not None:
            agents = tuple(pin(self.problem, agent, row, window)
                           for agent, row in zip(agents, current, strict=True))
        return self.problem.model_copy(update={"agents": agents})

    def _solver(self, seconds: float) -> cp_model.CpSolver:
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = max(0.05, seconds)
        solver.parameters.num_workers = self.workers
        solver.parameters.random_seed = (self.seed + self.calls) % (2**31)
        self.calls += 1
        return solver

    def objective(self, state: State) -> int:
        """The exact objective of a complete roster, computed directly from its rows and break
        counts (the same arithmetic as the rules' exact penalty lines, without a model)."""
        problem = self.problem
        counts = self.counts(state)
        on: defaultdict[int, int] = defaultdict(int)
        for (day, shift), count in counts.items():
            for iv, minutes in self.profile(day, shift).items():
                on[iv] += count * minutes
        for (day, shift), taken in state.patterns.items():
            off = dict(self.pattern_options(day, shift))
            for index, count in taken.items():
                for iv, minutes in off[index].items():
                    on[iv] -= count * minutes
        total = 0
        length = self.length
        for iv, item in self.demand.items():
            want = item.agents * length
            total += -(-item.weight_under * max(0, want - on[iv]) // length)
            total += -(-item.weight_over * max(0, on[iv] - want) // length)
        for (day, shift), cover in self.cover.items():
            count = counts[day, shift]
            total += cover.weight_under * max(0, cover.required - count)
            total += cover.weight_over * max(0, count - cover.required)
        rows = [row for row in state.rows if row is not None]
        if problem.weights.fairness:
            nights: defaultdict[str, list[int]] = defaultdict(list)
            weekend: defaultdict[str, list[int]] = defaultdict(list)
            for agent, row in zip(problem.agents, rows, strict=True):
                if agent.night_eligible:
                    nights[agent.team].append(sum(1 for s in row if s in self.nights))
                weekend[agent.team].append(sum(1 for d in self.weekend_days if row[d] is not None))
            for spreads in (nights, weekend):
                for values in spreads.values():
                    if len(values) >= 2:
                        total += problem.weights.fairness * (max(values) - min(values))
        before: defaultdict[tuple[str, int], set[str]] = defaultdict(set)
        if problem.previous_roster is not None and problem.weights.change_from:
            for assignment in problem.previous_roster.assignments:
                if problem.in_horizon(assignment.date):
                    before[assignment.agent, problem.day_index(assignment.date)].add(
                        assignment.shift)
        for agent, row in zip(problem.agents, rows, strict=True):
            for request in agent.requests:
                day = problem.day_index(request.date)
                granted = row[day] == request.shift if request.shift else row[day] is not None
                if granted != request.on:
                    total += problem.weights.request * request.weight
            if problem.previous_roster is not None and problem.weights.change_from:
                for day, worked in enumerate(row):
                    was = before.get((agent.id, day), set())
                    changed = (worked is not None if not was
                               else len(was) > 1 or worked not in was)
                    total += problem.weights.change_from * changed
        return total

    # -- construction --------------------------------------------------------------------

    def sketch(self, state: State, a: int, lead: float = 0.75, steer: bool = True) -> Rows:
        """A row for agent ``a`` built day by day, only a hint for the solver: it keeps pace
        with the agent's work minutes and weekends, respects runs, days off, fixed days,
        ``max_shifts`` and forbidden successions as it goes, and takes the shift type with
        the most cover still unplaced. Long single-agent rows (a year with tight totals) are
        hard for CP-SAT to find from nothing and easy to repair from this."""
        problem, agent = self.problem, self.problem.agents[a]
        contract = agent.contract
        days = problem.days
        allowed = self.allowed[a]
        fixed = {problem.day_index(e.date): e.shift for e in agent.fixed
                 if problem.in_horizon(e.date)}
        forbidden = set(problem.rules.forbidden_successions)
        need: defaultdict[tuple[int, str], float] = defaultdict(float)
        for key, cover in self.cover.items():
            need[key] += cover.required
        for key, count in self.counts(state).items():
            need[key] -= count
        length = {s.id: problem.work_minutes(s) for s in problem.shift_types}
        low, high = contract.min_work_minutes, contract.max_work_minutes
        target: float | None = None  # work minutes to keep pace with (never beyond ``high``)
        if contract.weekly_minutes is not None:
            target = contract.weekly_minutes * days / 7
        elif high is not None:
            target = float(high)
        elif low is not None:
            target = float(low)
        weekend_of_day = {d: i for i, ds in enumerate(weekends(problem).values()) for d in ds}
        weekend_count = len(set(weekend_of_day.values())) or 1
        max_run = contract.max_consecutive_work_days or days
        min_run = contract.min_consecutive_work_days or 1
        min_off = contract.min_consecutive_days_off or 1
        most_weekends = contract.max_weekends
        shortest = min((length[s] for day in allowed for s in day), default=0)
        longest = max((length[s] for day in allowed for s in day), default=0)
        used: Counter[str] = Counter()
        row: Rows = [None] * days
        minutes, run, off = 0, 0, min_off
        weekend_worked: set[int] = set()

        def can_start(d: int) -> bool:
            """A run from day d can last ``min_run`` days: available, weekends allowed, the
            minutes not over the maximum."""
            added = set()
            for j in range(d, min(days, d + min_run)):
                if not allowed[j]:
                    return False
                weekend = weekend_of_day.get(j)
                if weekend is not None and weekend not in weekend_worked:
                    added.add(weekend)
            if most_weekends is not None and len(weekend_worked) + len(added) > most_weekends:
                return False
            return high is None or minutes + min_run * shortest <= high

        for d in range(days):
            options = [s for s in allowed[d]
                       if used[s] < contract.max_shifts.get(s, days)
                       and (d == 0 or (row[d - 1], s) not in forbidden)
                       and (high is None or minutes + length[s] <= high)]
            if d in fixed:
                options = [s for s in options if fixed[d] in (None, s)]
            weekend = weekend_of_day.get(d)
            if d in fixed:
                work = True
            elif not options or run >= max_run or 0 < off < min_off:
                work = False
            elif 0 < run < min_run:
                work = True
            elif weekend is not None and weekend in weekend_worked:
                work = run > 0 or can_start(d)  # the weekend counts already: use it
            else:
                # ahead of pace (the target by ``lead`` of the horizon): rules and weekends
                # hold an agent back more often than they let it catch up
                # hold an agent back more often than they let it catch up; within that, work
                # where cover is still wanted, or when falling behind
                wanted = not steer or not self.cover or any(need[d, s] > 0 for s in options)
                work = (target is None or (
                    minutes < target * min(1.0, (d + 1) / (lead * days)) and (
                        wanted or minutes + 2 * longest < target * (d + 1) / days))
                        ) and (run > 0 or can_start(d))
                if work and weekend is not None and most_weekends is not None:
                    work = len(weekend_worked) < min(
                        most_weekends, most_weekends * (weekend + 1) / weekend_count + 0.5)
            if work and options and run + 1 < min_run and d + 1 < days:
                # tomorrow is worked too: keep a type some shift may follow
                options = [s for s in options if any(
                    (s, t) not in forbidden and used[t] + (s == t) < contract.max_shifts.get(
                        t, days) for t in allowed[d + 1])] or options
            if work and options:
                behind = target is not None and minutes + 2 * longest < target * (d + 1) / days
                shift = max(options, key=lambda s: (
                    behind and need[d, s] > 0 and length[s], need[d, s],
                    d > 0 and row[d - 1] == s))
                row[d] = shift
                used[shift] += 1
                need[d, shift] -= 1
                minutes += length[shift]
                run, off = run + 1, 0
                if weekend is not None:
                    weekend_worked.add(weekend)
            else:
                run, off = 0, off + 1
        return row


    def supply(self, state: State) -> dict[int, float]:
        """Agent-minutes on the phones per demand interval of the agents placed so far, breaks
        spread evenly over each shift (where they go is decided later)."""
        on: defaultdict[int, float] = defaultdict(float)
        for (day, shift), count in self.counts(state).items():
            shift_type = self.problem.shift_types_by_id[shift]
            share = self.problem.work_minutes(shift_type) / shift_type.duration_minutes
            for iv, minutes in self.profile(day, shift).items():
                on[iv] += count * minutes * share
        return on

    def counts(self, state: State) -> Counter[tuple[int, str]]:
        return Counter((day, shift) for row in state.rows if row is not None
                       for day, shift in enumerate(row) if shift is not None)

    def construct(
        self,
        state: State,
        group: Sequence[int],
        seconds: float,
        *,
        current: Sequence[Rows] | None = None,
        window: range | None = None,
    ) -> list[Rows] | None:
        """Rows for ``group`` (no rows in ``state``) that obey their hard rules and go where the
        agents placed so far leave demand uncovered (a concave estimate of each added agent's
        worth). ``current``: the group's rows before, hinted (so the solve starts from them and
        returns rows at least as good by this estimate) and, with ``window``, kept outside the
        window.

        None when no rows were found in time; raises GroupInfeasible when none exist.
        ``self.proved`` tells whether the rows are optimal for this model."""
        sub = self.subproblem(group, current=current, window=window)
        m = RosterModel(sub, template=self.base)
        steps_of: dict[tuple[int, str], list[cp_model.IntVar]] = {}
        for rule in HARD_RULES:
            if rule.name != "meal_and_rest_breaks":
                rule.add(m)
        on = self.supply(state)
        placed = self.counts(state)
        gains: list[Expr] = []
        weights: list[int] = []
        for shift in m.usable:
            work_share = self.problem.work_minutes(shift) / shift.duration_minutes
            for day in range(m.days):
                lits = [days[day][shift.id] for days in m.shifts_of if shift.id in days[day]]
                if not lits:
                    continue
                profile = self.profile(day, shift.id)
                cover = self.cover.get((day, shift.id))
                steps = []
                for k in range(len(lits)):
                    gain = 0.0
                    for iv, minutes in profile.items():
                        item = self.demand[iv]
                        added = minutes * work_share
                        short = item.agents * self.length - on.get(iv, 0.0) - k * added
                        if short > 0:
                            gain += item.weight_under * min(short, added) / self.length
                        if added > short:
                            gain -= item.weight_over * (added - max(short, 0.0)) / self.length
                    if cover is not None:
                        gain += (cover.weight_under if placed[day, shift.id] + k < cover.required
                                 else -cover.weight_over)
                    steps.append(round(10 * gain))
                if len(lits) == 1:  # one step: the literal itself
                    gains += lits
                    weights += steps
                    continue
                ys = [m.model.new_bool_var("") for _ in steps]
                m.model.add(sum(ys) == sum(lits))
                gains += ys
                weights += steps
                steps_of[day, shift.id] = ys
        for term in agent_requests(m) + change_from_previous(m):
            gains.append(term.expr)
            weights.append(-10 * term.coefficient)
        m.model.maximize(cp_model.LinearExpr.weighted_sum(gains, weights))

        def hint(rows: Sequence[Rows]) -> None:
            for row, allowed_days, works in zip(rows, m.shifts_of, m.works, strict=True):
                for day, allowed in enumerate(allowed_days):
                    for shift_id, var in allowed.items():
                        m.model.add_hint(var, row[day] == shift_id)
                    lit = works[day]
                    if lit is not None and len(allowed) > 1:
                        m.model.add_hint(lit, row[day] is not None)
            for (day, shift_id), ys in steps_of.items():
                on_it = sum(1 for row in rows if row[day] == shift_id)
                for k, y in enumerate(ys):  # the steps are non-increasing: the first ones count
                    m.model.add_hint(y, k < on_it)

        if current is not None:
            hint(current)
        solver = self._solver(seconds)
        if current is None:  # finding a first row: the LP's cuts help with long horizons
            solver.parameters.linearization_level = 2
        with watching(solver, self.stop_event):
            status = solver.solve(m.model)
        self.proved = status == cp_model.OPTIMAL
        if status == cp_model.INFEASIBLE:
            raise GroupInfeasible(sub)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return None
        return self._rows(m, solver)

    def holds(self, group: Sequence[int], rows: Sequence[Rows], seconds: float) -> bool:
        """Whether ``rows`` obey every hard rule of the agents of ``group``: the rule functions
        on a model with each agent pinned to its row (one variable per shift worked) decide."""
        for a, row in zip(group, rows, strict=True):
            dates = self.problem.dates
            for entry in self.problem.agents[a].fixed:
                if not self.problem.in_horizon(entry.date):
                    continue
                shift = row[self.problem.day_index(entry.date)]
                if shift is None or entry.shift not in (None, shift):
                    return False
            if any(row[d] is not None and row[d] not in self.allowed[a][d]
                   for d in range(len(dates))):
                return False
        sub = self.problem.model_copy(update={"agents": tuple(
            pin(self.problem, self.problem.agents[a], row)
            for a, row in zip(group, rows, strict=True))})
        m = RosterModel(sub, template=self.base)
        for rule in HARD_RULES:
            if rule.name != "meal_and_rest_breaks":
                rule.add(m)
        solver = self._solver(seconds)
        with watching(solver, self.stop_event):
            status = solver.solve(m.model)
        return status in (cp_model.OPTIMAL, cp_model.FEASIBLE)

    @staticmethod
    def _rows(m: RosterModel, solver: cp_model.CpSolver) -> list[Rows]:
        return [
            [next((s for s, var in allowed.items() if solver.boolean_value(var)), None)
             for allowed in allowed_days]
            for allowed_days in m.shifts_of
        ]

    def place_breaks(self, state: State) -> Patterns:
        """Break patterns for every agent of a complete roster, greedily against demand."""
        counts = self.counts(state)
        on: defaultdict[int, int] = defaultdict(int)
        for (day, shift), count in counts.items():
            for iv, minutes in self.profile(day, shift).items():
                on[iv] += count * minutes
        patterns: Patterns = {}
        for (day, shift), count in sorted(counts.items()):
            options = self.pattern_options(day, shift)
            if not options:
                continue
            taken: Counter[int] = Counter()
            for _ in range(count):
                def cost(option: tuple[int, dict[int, int]]) -> int:
                    total = 0
                    for iv, minutes in option[1].items():
                        item = self.demand[iv]
                        short = on[iv] - minutes < item.agents * self.length
                        total += minutes * (item.weight_under if short else -item.weight_over)
                    return total

                index, off = min(options, key=cost)
                taken[index] += 1
                for iv, minutes in off.items():
                    on[iv] -= minutes
            patterns[day, shift] = dict(taken)
        return patterns

    # -- breaks --------------------------------------------------------------------------

    def optimise_breaks(self, state: State, seconds: float) -> tuple[Patterns, int] | None:
        """Every break of the roster re-placed by CP-SAT with every shift fixed: (patterns,
        exact change of the objective), or None when nothing was found in time."""
        background = self.background(state, set())
        background = Background(background.counts, background.nights, background.weekends)
        m, terms = build(self.problem.model_copy(update={"agents": ()}), background=background)
        before_value = model_values(m, [], state.patterns)
        hint_roster(m, terms, before_value)
        solver = self._solver(seconds)
        with watching(solver, self.stop_event):
            status = solver.solve(m.model)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return None
        patterns: Patterns = {
            key: {item.index: v for item in items if (v := int(solver.value(item.var)))}
            for key, items in m.pattern_counts.items()
        }
        after = exact_objective(terms, model_values(m, [], patterns))
        return patterns, after - exact_objective(terms, before_value)


def hint_roster(m: RosterModel, terms: Sequence[SoftTerm], value: Callable[[Expr], int]) -> None:
    """Hint the current roster: every shift, day, count and pattern variable, and the slack of
    every single-variable penalty line (CP-SAT completes the few others)."""
    hinted: set[int] = set()

    def hint(var: cp_model.IntVar, number: int) -> None:
        if var.index not in hinted:
            hinted.add(var.index)
            m.model.add_hint(var, number)

    for allowed_days, works in zip(m.shifts_of, m.works, strict=True):
        for allowed, lit in zip(allowed_days, works, strict=True):
            for var in allowed.values():
                hint(var, value(var))
            if lit is not None:
                hint(lit, value(lit))
    for expr, _ in m._counts.values():
        if isinstance(expr, cp_model.IntVar):
            hint(expr, value(expr))
    for items in m.pattern_counts.values():
        for item in items:
            if not isinstance(item.var, int):
                hint(item.var, value(item.var))
    for term in terms:
        if isinstance(term.expr, cp_model.IntVar) and term.exact is not None:
            hint(term.expr, term.exact(value))


# --------------------------------------------------------------------------- the search


def free_variables(problem: RosterProblem) -> list[int]:
    """Per agent, how many shift variables its model has (available days x allowed types)."""
    usable = list(problem.shift_types)
    return [sum(len(day) for day in allowed_shifts(problem, agent, usable))
            for agent in problem.agents]


def search(
    problem: RosterProblem,
    *,
    deadline: float,
    workers: int,
    seed: int,
    stop_event: StopSignal | None,
    report: Callable[[int, int], None],
    reserve: float,
    aggregate: bool = True,
    step_seconds: float = STEP_SECONDS,
) -> Outcome | None:
    """Construct, bound and improve a roster until ``deadline - reserve`` (monotonic seconds).

    ``report(objective, bound)`` is called
    for the first roster and every improvement. None when stopped before a first roster.
    ``aggregate=False``: no aggregate bound (the caller has a better one); the bound is 0.
    ``step_seconds``: time limit of one neighbourhood's solve.
    """
    started = time.monotonic()
    rng = random.Random(seed)
    planner = Planner(problem, workers, seed, stop_event)
    size_of = free_variables(problem)
    n = len(problem.agents)
    end = deadline - reserve

    def stopped() -> bool:
        return stop_event is not None and stop_event.is_set()

    # 1. construction, group by group, then breaks
    order = list(range(n))
    rng.shuffle(order)
    order.sort(key=lambda a: size_of[a])  # most constrained agents first
    state = State(rows=[None] * n)
    groups = _groups(order, size_of, _CONSTRUCT_SIZE)
    pending = list(reversed(groups))
    tries: Counter[tuple[int, ...]] = Counter()
    while pending:
        group = pending.pop()
        remaining = end - time.monotonic()
        if remaining <= 0 or stopped():
            return None
        attempt = tries[tuple(group)]
        tries[tuple(group)] += 1
        # a lone agent that fails is tried again with twice the time, until the time is up
        scale = 2.0**attempt
        seconds = min(remaining, STEP_SECONDS * scale,
                      max(0.2 * scale, remaining * 0.25 / (len(pending) + 1)))
        rows = None
        if attempt == 0 and problem.days > _SKETCH_DAYS:
            rows = next((rows for rows in _sketches(planner, state, group)
                         if planner.holds(group, rows, seconds)), None)
        if rows is None:
            rows = planner.construct(state, group, seconds)
        if rows is None:
            if len(group) == 1:
                pending.append(group)
            else:
                half = len(group) // 2
                pending += [group[half:], group[:half]]
            continue
        for a, row in zip(group, rows, strict=True):
            state.rows[a] = row
    state.patterns = planner.place_breaks(state)
    state.objective = planner.objective(state)
    bound = 0
    report(state.objective, bound)

    # 2. aggregate bound
    remaining = end - time.monotonic()
    # building the aggregate model grows with days x shift types x agents (about 10 s for a
    # year of 150 agents and 32 types): skipped when that would eat the search's time
    building = _AGGREGATE_BUILD * problem.days * len(problem.shift_types) * n
    if aggregate and remaining > max(1.0, 10 * building) and not stopped():
        seconds = min(max(_AGGREGATE_SECONDS[0], _AGGREGATE_SHARE * remaining),
                      _AGGREGATE_SECONDS[1], 0.5 * remaining)
        relaxed = solve_aggregate(
            problem, seconds, workers,
            seed, watch=lambda solver: watching(solver, stop_event),
        )
        bound = min(relaxed.bound, state.objective)
        report(state.objective, bound)

    # 3. neighbourhood search: take a few agents out, put them back where demand is left
    teams: defaultdict[str, list[int]] = defaultdict(list)
    for a, agent in enumerate(problem.agents):
        teams[agent.team].append(a)
    # neighbourhood sizes, apart for whole rows (False) and windows of days (True)
    sizes = {False: float(_CONSTRUCT_SIZE), True: float(_CONSTRUCT_SIZE)}
    breaks_at = time.monotonic() + _BREAKS_EVERY
    while not stopped() and state.objective > bound:
        remaining = end - time.monotonic()
        if remaining < 0.3:
            break
        if time.monotonic() >= breaks_at or remaining < _BREAKS_LAST * (end - started):
            breaks_at = time.monotonic() + _BREAKS_EVERY
            placed = planner.optimise_breaks(state, min(remaining, _BREAKS_SECONDS))
            if placed is not None and placed[1] < 0:
                state.patterns = placed[0]
                state.objective += placed[1]
                report(state.objective, bound)
            if remaining < _BREAKS_LAST * (end - started):
                break
            continue
        free, window = _neighbourhood(rng, state, size_of, teams, sizes, problem.days)
        kind = window is not None
        chosen = set(free)
        current = [kept for a in free if (kept := state.rows[a]) is not None]
        trial = State([None if a in chosen else row for a, row in enumerate(state.rows)])
        rows = planner.construct(trial, free, min(remaining, step_seconds), current=current,
                                 window=window)
        if rows is None:
            sizes[kind] = max(_MIN_SIZE, sizes[kind] * 0.8)
            continue
        # neighbourhoods solved to optimality grow, the others shrink
        sizes[kind] = (min(_MAX_SIZE, sizes[kind] * 1.2) if planner.proved
                       else max(_MIN_SIZE, sizes[kind] * 0.9))
        for a, row in zip(free, rows, strict=True):
            trial.rows[a] = row
        trial.patterns = planner.place_breaks(trial)
        trial.objective = planner.objective(trial)
        if trial.objective <= state.objective:
            improved = trial.objective < state.objective
            state = trial
            if improved:
                report(state.objective, bound)
    return Outcome(state, bound, state.objective <= bound)


def _sketches(planner: Planner, state: State, group: Sequence[int]) -> Iterator[list[Rows]]:
    """Sketched rows for the agents of ``group``, one set per lead, made when asked for."""
    for lead, steer in _SKETCH_LEADS:
        rows = []
        for a in group:
            rows.append(planner.sketch(state, a, lead, steer))
            state.rows[a] = rows[-1]  # the next agents' sketches go elsewhere
        for a in group:
            state.rows[a] = None
        yield rows


def _groups(order: Sequence[int], size_of: Sequence[int], target: int) -> list[list[int]]:
    groups: list[list[int]] = [[]]
    load = 0
    for a in order:
        if groups[-1] and load + size_of[a] > target:
            groups.append([])
            load = 0
        groups[-1].append(a)
        load += size_of[a]
    return groups


def _neighbourhood(
    rng: random.Random,
    state: State,
    size_of: Sequence[int],
    teams: dict[str, list[int]],
    sizes: dict[bool, float],
    days: int,
) -> tuple[list[int], range | None]:
    """Agents to take out and put back, and the days they are free on (None: every day).

    Whole rows of agents at random, within one team, or working one (day, shift type); or,
    on horizons of two weeks and more, many agents over one to four weeks (the rest of their
    rows kept), so that agents can trade shifts with each other day by day.
    """
    n = len(size_of)
    per_agent = max(1.0, sum(size_of) / max(1, n))
    kind = rng.random()
    if days >= 14 and kind < (0.5 if days <= 28 else 0.8):
        length = rng.choice([w for w in (7, 14, 21, 28) if w < days] or [7])
        first = rng.randrange(days - length + 1)
        count = max(2, min(n, round(sizes[True] * days / (per_agent * length))))
        return sorted(rng.sample(range(n), count)), range(first, first + length)
    count = max(1, min(n, round(sizes[False] / per_agent)))
    pool: list[int] = list(range(n))
    if kind < 0.65 and len(teams) > 1:
        pool = teams[rng.choice(sorted(teams))]
    elif kind < 0.8:
        day = rng.randrange(days)
        shift = rng.choice(sorted({s for row in state.rows if row and (s := row[day])} or {""}))
        pool = [a for a, row in enumerate(state.rows) if row is not None and row[day] == shift]
    if len(pool) < count:
        pool = list(range(n))
    return sorted(rng.sample(pool, count)), None
