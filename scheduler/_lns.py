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
   is infeasible holds an agent whose own rules conflict: the caller explains that group.
   Breaks are then handed out greedily against demand (:meth:`Planner.place_breaks`).
2. **Aggregate bound** (``scheduler._aggregate``): the coverage-and-cover relaxation, whose
   proven bound is the roster's bound (every other penalty is >= 0).
3. **Neighbourhood search**: take a few agents out (at random, from one team, or those on one
   (day, shift type)), put them back with the construction model against everybody else,
   re-hand the breaks and keep the roster when its exact objective is no worse. Every 30 s,
   and once at the end, CP-SAT re-places every break of the roster with every shift fixed
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
from scheduler._problem import RosterProblem
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
_STEP_SECONDS = 2.0  # time limit of one group's solve
_BREAKS_EVERY = 30.0  # seconds between two re-placements of every break by CP-SAT
_BREAKS_SECONDS = 10.0
_BREAKS_LAST = 0.05  # share of the time limit kept for the last re-placement
_AGGREGATE_SHARE = 0.25  # of the time left after construction, for the aggregate bound
_AGGREGATE_SECONDS = (10.0, 60.0)  # at least (its bound needs a few LP rounds), at most


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

    def subproblem(self, free: Sequence[int]) -> RosterProblem:
        """The problem of the free agents alone."""
        return self.problem.model_copy(
            update={"agents": tuple(self.problem.agents[a] for a in free)}
        )

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

    def construct(self, state: State, group: Sequence[int], seconds: float) -> list[Rows] | None:
        """Rows for ``group`` (no rows yet) that obey their hard rules and go where the agents
        placed so far leave demand uncovered (a concave estimate of each added agent's worth).
        None when no rows were found in time; raises GroupInfeasible when none exist."""
        sub = self.subproblem(group)
        m = RosterModel(sub)
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
                ys = [m.model.new_bool_var("") for _ in steps]
                m.model.add(sum(ys) == sum(lits))
                gains += ys
                weights += steps
        for term in agent_requests(m) + change_from_previous(m):
            gains.append(term.expr)
            weights.append(-10 * term.coefficient)
        m.model.maximize(cp_model.LinearExpr.weighted_sum(gains, weights))
        solver = self._solver(seconds)
        with watching(solver, self.stop_event):
            status = solver.solve(m.model)
        if status == cp_model.INFEASIBLE:
            raise GroupInfeasible(sub)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return None
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
        _hint(m, terms, before_value)
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


def _hint(m: RosterModel, terms: Sequence[SoftTerm], value: Callable[[Expr], int]) -> None:
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
) -> Outcome | None:
    """Construct, bound and improve a roster until ``deadline - reserve`` (monotonic seconds).

    ``report(objective, bound)`` is called
    for the first roster and every improvement. None when stopped before a first roster.
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
    while pending:
        group = pending.pop()
        remaining = end - time.monotonic()
        if remaining <= 0 or stopped():
            return None
        seconds = min(_STEP_SECONDS, max(0.2, remaining * 0.15 / (len(pending) + 1)))
        rows = planner.construct(state, group, seconds)
        if rows is None:
            if len(group) == 1:
                return None
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
    if remaining > 1 and not stopped():
        seconds = min(max(_AGGREGATE_SECONDS[0], _AGGREGATE_SHARE * remaining),
                      _AGGREGATE_SECONDS[1], 0.5 * remaining)
        aggregate = solve_aggregate(
            problem, seconds, workers,
            seed, watch=lambda solver: watching(solver, stop_event),
        )
        bound = min(aggregate.bound, state.objective)
        report(state.objective, bound)

    # 3. neighbourhood search: take a few agents out, put them back where demand is left
    teams: defaultdict[str, list[int]] = defaultdict(list)
    for a, agent in enumerate(problem.agents):
        teams[agent.team].append(a)
    size = float(_CONSTRUCT_SIZE)
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
        free = _neighbourhood(rng, state, size_of, teams, int(size))
        trial = State([None if a in set(free) else row for a, row in enumerate(state.rows)])
        rows = planner.construct(trial, free, min(remaining, _STEP_SECONDS))
        if rows is None:
            size = max(_MIN_SIZE, size * 0.8)
            continue
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
    size: int,
) -> list[int]:
    """Agents to take out and put back: at random, within one team, or working one day."""
    n = len(size_of)
    per_agent = max(1.0, sum(size_of) / max(1, n))
    count = max(1, min(n, round(size / per_agent)))
    kind = rng.random()
    pool: list[int] = list(range(n))
    if kind < 0.3 and len(teams) > 1:
        pool = teams[rng.choice(sorted(teams))]
    elif kind < 0.6:
        day = rng.randrange(len(next(row for row in state.rows if row is not None)))
        shift = rng.choice(sorted({s for row in state.rows if row and (s := row[day])} or {""}))
        pool = [a for a, row in enumerate(state.rows) if row is not None and row[day] == shift]
    if len(pool) < count:
        pool = list(range(n))
    return sorted(rng.sample(pool, count))
