"""The aggregate model: how many agents work each (day, shift type, break pattern), no agents.

A relaxation of the roster model used for its **proven lower bound** (and by the neighbourhood
search as a yardstick). It keeps exactly the terms of the objective that depend only on how
many agents work each (day, shift type) and how they take their breaks - demand coverage
(art. 30, net of art. 32 breaks) and shift cover - built by the same rule functions as the
full model (``scheduler._rules``), with the per-agent Booleans replaced by one integer count per
(day, shift type) and the agents' hard rules replaced by capacity constraints that every real
roster satisfies:

* per day and every set of shift types: no more agents on those types than agents who may work
  one of them that day (availability, leave, night eligibility, ``max_shifts`` 0, fixed days);
  at least the agents fixed to work that day;
* per averaging block of any agent (and the horizon): total work minutes between the sum of the
  agents' art. 31 minimum and maximum for that range;
* per window of ``max_consecutive_work_days + 1`` days: shifts at most the sum of the days each
  agent can work in the window;
* rest and forbidden successions: for shift types X on day d and Y on day d + g that pairwise
  conflict, X-shifts plus Y-shifts at most the agents who may work any of them (no agent does
  both);
* ``max_shifts`` per type over the horizon.

Every roster maps to a solution of this model with the same coverage and cover penalties, and
every other penalty (requests, fairness, changes) is >= 0, so the aggregate optimum - and any
proven lower bound of it - is a lower bound of the roster objective.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass

from ortools.sat.python import cp_model

from scheduler._problem import Agent, RosterProblem
from scheduler._rules import (
    SOFT_RULES,
    Expr,
    RosterModel,
    SoftTerm,
    allowed_shifts,
    block_work_range,
    meal_and_rest_breaks,
    rest_conflicts,
)

_AGGREGATE_RULES = ("demand_coverage", "shift_cover")
_MAX_SUBSET_TYPES = 6  # every subset of shift types up to this many types; beyond, singletons


@dataclass(frozen=True)
class AggregateResult:
    """The aggregate solve: its proven lower bound, and its best counts when one was found."""

    bound: int
    objective: int | None
    optimal: bool
    counts: dict[tuple[int, str], int]


class AggregateModel(RosterModel):
    """A roster model without agents: ``count(d, s)`` is a free integer within capacity."""

    def __init__(self, problem: RosterProblem) -> None:
        super().__init__(problem.model_copy(update={"agents": ()}))
        self.full = problem
        self.allowed = [allowed_shifts(problem, agent, self.usable) for agent in problem.agents]

    def count(self, day: int, shift: str) -> tuple[Expr, int]:
        key = (day, shift)
        if key not in self._counts:
            upper = sum(1 for rows in self.allowed if shift in rows[day])
            fixed = sum(
                1
                for agent in self.full.agents
                for entry in agent.fixed
                if entry.shift == shift and self.full.day_index(entry.date) == day
            )
            count = self.model.new_int_var(min(fixed, upper), upper, "")
            self._counts[key] = (count, upper)
        return self._counts[key]


def build_aggregate(problem: RosterProblem) -> tuple[AggregateModel, list[SoftTerm]]:
    """The aggregate model with its capacity constraints and coverage/cover objective."""
    m = AggregateModel(problem)
    meal_and_rest_breaks(m)
    terms = [
        term for rule in SOFT_RULES if rule.name in _AGGREGATE_RULES for term in rule.terms(m)
    ]
    _capacity(m)
    m.model.minimize(
        cp_model.LinearExpr.weighted_sum([t.expr for t in terms], [t.coefficient for t in terms])
    )
    return m, terms


def _capacity(m: AggregateModel) -> None:
    problem, model = m.full, m.model
    types = [s.id for s in m.usable]
    if len(types) <= _MAX_SUBSET_TYPES:
        subsets = [
            set(combo) for size in range(1, len(types) + 1)
            for combo in itertools.combinations(types, size)
        ]
    else:
        subsets = [{s} for s in types] + [set(types)]

    def total(day: int, shifts: set[str] | Sequence[str]) -> Expr:
        return sum((m.count(day, s)[0] for s in shifts), start=cp_model.LinearExpr.constant(0))

    for day in range(m.days):
        for subset in subsets:
            able = sum(1 for rows in m.allowed if subset & set(rows[day]))
            model.add(total(day, subset) <= able)
        date = problem.dates[day]
        must = sum(1 for agent in problem.agents if any(e.date == date for e in agent.fixed))
        model.add(total(day, types) >= must)

    # art. 31 per distinct averaging range, and over the horizon
    ranges = {(0, m.days)}
    for agent in problem.agents:
        if agent.contract.weekly_minutes is not None:
            for block in problem.averaging_blocks(agent.contract.averaging_weeks):
                first = problem.day_index(block.first)
                ranges.add((first, first + block.days))
    longest = max((m.work_of[s] for s in types), default=0)
    for first, stop in sorted(ranges):
        low = high = 0
        for a, agent in enumerate(problem.agents):
            lo, hi = _work_range(problem, agent, first, stop)
            low += lo
            days_able = sum(1 for rows in m.allowed[a][first:stop] if rows)
            high += min(hi, days_able * longest) if hi is not None else days_able * longest
        work = cp_model.LinearExpr.weighted_sum(
            [m.count(d, s)[0] for d in range(first, stop) for s in types],
            [m.work_of[s] for d in range(first, stop) for s in types],
        )
        model.add(work >= low)
        model.add(work <= high)

    # max consecutive work days: windows of k + 1 days
    for length in sorted({k + 1 for a in problem.agents
                          if (k := a.contract.max_consecutive_work_days) is not None}):
        for first in range(0, m.days - length + 1):
            able = sum(_most_days(problem, agent, m.allowed[a], first, first + length)
                       for a, agent in enumerate(problem.agents))
            model.add(sum((total(d, types) for d in range(first, first + length)),
                          start=cp_model.LinearExpr.constant(0)) <= able)

    # rest and forbidden successions: conflicting (X on d, Y on d + gap) are different agents
    clash: dict[tuple[int, int], set[tuple[str, str]]] = {}
    for (day, shift, gap), later in rest_conflicts(m).items():
        clash.setdefault((day, gap), set()).update((shift, s) for s in later)
    for day in range(m.days - 1):
        for first_id, second_id in problem.rules.forbidden_successions:
            clash.setdefault((day, 1), set()).add((first_id, second_id))
    for (day, gap), pairs in sorted(clash.items()):
        for later_set in subsets:
            earlier = {x for x in types if all((x, y) in pairs for y in later_set)}
            if not earlier:
                continue
            able = sum(1 for rows in m.allowed
                       if earlier & set(rows[day]) or later_set & set(rows[day + gap]))
            model.add(total(day, earlier) + total(day + gap, later_set) <= able)

    # max_shifts per type over the horizon
    for shift in types:
        limits = [a.contract.max_shifts.get(shift) for a in problem.agents]
        if all(limit is None for limit in limits):
            continue
        able = sum(
            min(limit if limit is not None else m.days,
                sum(1 for rows in m.allowed[a] if shift in rows))
            for a, limit in enumerate(limits)
        )
        model.add(sum((m.count(d, shift)[0] for d in range(m.days)),
                      start=cp_model.LinearExpr.constant(0)) <= able)


def _work_range(
    problem: RosterProblem, agent: Agent, first: int, stop: int
) -> tuple[int, int | None]:
    """Art. 31 work minutes an agent must (at least) and may (at most) do in days [first, stop):
    blocks inside the range give a minimum, blocks meeting it a maximum; None: no maximum."""
    contract = agent.contract
    low, high = 0, None
    if contract.weekly_minutes is not None:
        high = 0
        for block in problem.averaging_blocks(contract.averaging_weeks):
            begin = problem.day_index(block.first)
            end = begin + block.days
            lo, hi = block_work_range(problem, agent, block.first, block.days)
            if first <= begin and end <= stop:
                low += max(0, lo)
            if begin < stop and first < end:
                high += max(0, hi)
    if (first, stop) == (0, problem.days):
        if contract.min_work_minutes is not None:
            low = max(low, contract.min_work_minutes)
        if contract.max_work_minutes is not None:
            high = contract.max_work_minutes if high is None else min(high,
                                                                      contract.max_work_minutes)
    return low, high


def _most_days(problem: RosterProblem, agent: Agent, allowed: list[list[str]], first: int,
               stop: int) -> int:
    """Most days the agent can work in [first, stop) (available days, at most k in a row)."""
    limit = agent.contract.max_consecutive_work_days or problem.days
    worked = run = 0
    for rows in allowed[first:stop]:
        if not rows or run >= limit:
            run = 0
        else:
            worked, run = worked + 1, run + 1
    return worked


def solve_aggregate(
    problem: RosterProblem,
    time_limit_seconds: float,
    workers: int,
    seed: int = 0,
    watch: Callable[[cp_model.CpSolver], AbstractContextManager[object]] | None = None,
) -> AggregateResult:
    """Solve the aggregate model; its bound is a proven lower bound of the roster objective.

    ``watch(solver)``, when given, is entered around the solve (to stop it on cancel).
    """
    m, _ = build_aggregate(problem)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.1, time_limit_seconds)
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    with watch(solver) if watch is not None else nullcontext():
        status = solver.solve(m.model)
    if status == cp_model.INFEASIBLE:  # a relaxation of a feasible problem: cannot happen
        return AggregateResult(0, None, False, {})
    found = status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    bound = solver.best_objective_bound if found or status == cp_model.UNKNOWN else 0.0
    counts = {key: int(solver.value(expr)) for key, (expr, _) in m._counts.items()} if found else {}
    return AggregateResult(
        bound=_ceil_bound(bound),
        objective=round(solver.objective_value) if found else None,
        optimal=status == cp_model.OPTIMAL,
        counts=counts,
    )


def _ceil_bound(bound: float) -> int:
    """Every penalty is a non-negative integer: round the proven bound up (0 if none)."""
    return max(0, math.ceil(bound - 1e-6)) if math.isfinite(bound) else 0
