"""The roster rules as CP-SAT model pieces: one function per rule, named after the rule.

:class:`RosterModel` holds the CP-SAT model of one problem and its decision variables; each
rule extends it. Hard rules (:data:`HARD_RULES`) add constraints; soft rules (:data:`SOFT_RULES`)
add penalty variables and return :class:`SoftTerm` lines, each named by rule and subject exactly
as the independent checker (``scheduler._check``) names its penalty lines, so a solved roster
explains its objective line by line. This module never imports the checker.

Formulation (chosen to stay lean at benchmark scale, 150 agents x 364 days):

* A Boolean ``x[a, d, s]`` exists only where agent ``a`` may work shift type ``s`` on day ``d``:
  not on a day off or leave, no night shift for an agent who is not night-eligible, none of a
  type whose ``max_shifts`` is 0, only the fixed type on a fixed day, none of a long type whose
  art. 32 breaks cannot be placed. Rules that would only forbid such variables (``days_off_and_
  leave``, ``night_eligibility``) therefore add nothing in a normal solve; in *explain* mode
  (``RosterModel(explain=True)``) every variable exists and those rules forbid them behind an
  assumption literal, so that an infeasibility core can name them.
* ``works[a][d]`` is the literal "agent a works on day d" (the one variable of the day, or a
  new Boolean equal to the sum of the day's variables: one shift per day). The linear rules over
  days (consecutive days, weekends) are written over ``day_work[a][d]``, the sum of the day's
  variables itself, not over that Boolean: equal in every solution, but CP-SAT's LP relaxation
  is far stronger on the shift variables (Curtois Instance 10: proven bound 3,521 in 4 s
  instead of 10 after 20 s).
* Coverage is aggregated: ``count(d, s)`` is the number of agents on shift type ``s`` on day
  ``d`` (an integer variable, created once), and for a long shift type overlapping the demand
  the break rule splits that count over the shift type's break patterns (``n[d, s, p]``, see
  ``scheduler._breaks``). Agent-minutes on the phones per interval are then a short linear
  expression over counts, never over agents.
* Every penalty is an integer. A soft term's ``expr`` is what the objective minimises (times
  ``coefficient``); at an optimum it equals the rule's exact value, and :meth:`SoftTerm.amount`
  recomputes that exact value from the decisions (e.g. ``ceil(w * short / I)`` for coverage,
  most - fewest for fairness), so a roster's penalties equal the checker's even when the solve
  stopped at a merely feasible solution whose slack variables are not tight.

Background (``RosterModel(background=...)``, used by the neighbourhood search in
``scheduler._lns``): the model's problem holds only the agents being re-planned; every other
agent's roster is fixed and enters as constants - its agents per (day, shift type) are added to
``count(d, s)`` and its night and weekend counts take part in the fairness spreads - so the
model's objective is the whole roster's objective minus the fixed agents' own request and
change terms, which the re-planned agents cannot change.

Explain mode: every hard constraint of an agent is enforced by one assumption literal per
``(rule, agent)`` (:meth:`RosterModel.guard`); the solver asks CP-SAT for a sufficient subset
of assumptions and reports the rules and agents behind them.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cached_property, partial

from ortools.sat.python import cp_model

from scheduler._breaks import BreakPattern, break_patterns, interval_minutes_on_phones
from scheduler._problem import (
    Agent,
    RosterProblem,
    ShiftType,
    ensure_annual_leave_within_limit,
    format_datetime,
    leave_credit_minutes,
    weekend_of,
)

Expr = cp_model.LinearExpr | cp_model.IntVar | int
Value = Callable[[Expr], int]


# --------------------------------------------------------------------------- penalty terms


@dataclass(frozen=True)
class SoftTerm:
    """One penalty line: ``coefficient * expr`` in the objective, named like the checker's line."""

    rule: str
    subject: str
    coefficient: int
    expr: Expr
    exact: Callable[[Value], int] | None = None

    def amount(self, value: Value) -> int:
        """The line's exact amount for the decisions in ``value`` (never above the objective's)."""
        raw = self.exact(value) if self.exact is not None else value(self.expr)
        return self.coefficient * raw


def _ceil_div(numerator: int, denominator: int) -> int:
    return -(-numerator // denominator)


def _under(value: Value, on: Expr, want: int, weight: int, length: int) -> int:
    return _ceil_div(weight * max(0, want - value(on)), length)


def _over(value: Value, on: Expr, want: int, weight: int, length: int) -> int:
    return _ceil_div(weight * max(0, value(on) - want), length)


def _short(value: Value, count: Expr, required: int) -> int:
    return max(0, required - value(count))


def _surplus(value: Value, count: Expr, required: int) -> int:
    return max(0, value(count) - required)


def _spread(value: Value, counts: Sequence[Expr]) -> int:
    values = [count if isinstance(count, int) else value(count) for count in counts]
    return max(values) - min(values)


# --------------------------------------------------------------------------- the model


@dataclass(frozen=True)
class Background:
    """Agents outside the model whose roster is fixed: what they add to the shared terms.

    ``counts``: agents on each (day index, shift type id); ``nights`` and ``weekends``: per
    team, the night shifts of each fixed night-eligible member and the weekend days worked by
    each fixed member (fairness spreads are taken over the whole team); ``patterns``: break
    pattern counts of the (day, shift type)s that only fixed agents can work - their breaks
    stay as they are (elsewhere the model re-places every break).
    """

    counts: dict[tuple[int, str], int]
    nights: dict[str, list[int]]
    weekends: dict[str, list[int]]
    patterns: dict[tuple[int, str], dict[int, int]] = field(default_factory=dict)


@dataclass(frozen=True)
class PatternCount:
    """How many agents on one (day, shift type) take break pattern ``index``."""

    index: int
    var: cp_model.IntVar | int  # an int when the agents and breaks of the background are fixed
    upper: int
    off_phones: dict[int, int]  # demand interval start (minute) -> break minutes inside it


class RosterModel:
    """The CP-SAT model of one problem: decision variables, then whatever the rules add.

    ``template``: a model of the same problem with other agents (the neighbourhood search
    builds many small models of one problem), whose facts about days and shift types are
    shared instead of computed again.
    """

    work_of: dict[str, int]
    windows: dict[str, list[tuple[int, int]]]
    patterns: dict[str, tuple[BreakPattern, ...]]
    usable: tuple[ShiftType, ...]

    def __init__(
        self,
        problem: RosterProblem,
        *,
        explain: bool = False,
        background: Background | None = None,
        template: RosterModel | None = None,
    ) -> None:
        self.problem = problem
        self.explain = explain
        self.background = background
        self.model = cp_model.CpModel()
        self.guards: dict[tuple[str, int], cp_model.IntVar] = {}
        self.days = problem.days
        self.interval = problem.interval_minutes
        if template is not None:
            # the same problem but for its agents: the facts about days and shift types hold
            self.work_of = template.work_of
            self.windows = template.windows
            self.patterns = template.patterns
            self.usable = template.usable
            self.__dict__["demand_starts"] = template.demand_starts
            self.__dict__["conflicts"] = template.conflicts
        else:
            self.work_of = {s.id: problem.work_minutes(s) for s in problem.shift_types}
            self.windows = {
                s.id: [
                    (problem.minute_of(start), problem.minute_of(end))
                    for start, end in (problem.shift_window(s.id, date)
                                       for date in problem.dates)
                ]
                for s in problem.shift_types
            }
            self.patterns = {
                s.id: break_patterns(
                    s.duration_minutes,
                    problem.rules.breaks,
                    interval_minutes=self.interval,
                    phase=self.windows[s.id][0][0],
                )
                for s in problem.shift_types
                if problem.breaks_due(s)
            }
            self.usable = tuple(
                s for s in problem.shift_types if not problem.breaks_due(s) or self.patterns[s.id]
            )
        self.shifts_of: list[list[dict[str, cp_model.IntVar]]] = [
            self._variables(agent) for agent in problem.agents
        ]
        self.works: list[list[cp_model.IntVar | None]] = []
        self.day_work: list[list[Expr | None]] = []  # sum of the day's shift variables
        self.pattern_counts: dict[tuple[int, str], list[PatternCount]] = {}
        self.on_phones: dict[int, tuple[Expr, int]] = {}  # interval -> (expr, upper bound)
        self._counts: dict[tuple[int, str], tuple[Expr, int]] = {}

    def _variables(self, agent: Agent) -> list[dict[str, cp_model.IntVar]]:
        model = self.model
        if self.explain:
            return [
                {shift.id: model.new_bool_var("") for shift in self.usable}
                for _ in self.problem.dates
            ]
        return [
            {shift: model.new_bool_var("") for shift in allowed}
            for allowed in allowed_shifts(self.problem, agent, self.usable)
        ]

    # -- helpers used by the rules -------------------------------------------------------

    def guard(self, rule: str, agent: int) -> list[cp_model.IntVar]:
        """The enforcement literals of ``rule`` for agent ``agent``: none outside explain mode."""
        if not self.explain:
            return []
        key = (rule, agent)
        if key not in self.guards:
            self.guards[key] = self.model.new_bool_var(f"{rule}:{self.problem.agents[agent].id}")
        return [self.guards[key]]

    def work_minutes(self, agent: int, days: range) -> Expr:
        return cp_model.LinearExpr.weighted_sum(
            [var for d in days for var in self.shifts_of[agent][d].values()],
            [self.work_of[s] for d in days for s in self.shifts_of[agent][d]],
        )

    def count(self, day: int, shift: str) -> tuple[Expr, int]:
        """Agents on ``shift`` on ``day`` (an expression) and its upper bound; created once.

        Fixed agents of the background are a constant part of the count.
        """
        key = (day, shift)
        if key not in self._counts:
            lits = [days[day][shift] for days in self.shifts_of if shift in days[day]]
            fixed = self.background.counts.get(key, 0) if self.background is not None else 0
            upper = fixed + len(lits)
            if not lits:
                self._counts[key] = (fixed, upper)
            elif len(lits) == 1 and not fixed:
                self._counts[key] = (lits[0], upper)
            else:
                count = self.model.new_int_var(fixed, upper, "")
                self.model.add(count == sum(lits) + fixed)
                self._counts[key] = (count, upper)
        return self._counts[key]

    @cached_property
    def demand_starts(self) -> frozenset[int]:
        return frozenset(self.problem.minute_of(item.start) for item in self.problem.demand)

    def demand_profile(self, day: int, shift: str, segments: Sequence[tuple[int, int]]) -> dict[
        int, int
    ]:
        """Minutes on the phones per demand interval of work ``segments`` (shift offsets)."""
        start = self.windows[shift][day][0]
        profile = interval_minutes_on_phones(segments, start, self.interval)
        return {iv: minutes for iv, minutes in profile.items() if iv in self.demand_starts}

    @cached_property
    def conflicts(self) -> dict[tuple[int, str, int], list[str]]:
        return _rest_conflicts(self)

    def overlaps_demand(self, day: int, shift: str) -> bool:
        start, end = self.windows[shift][day]
        first = start - start % self.interval
        return any(iv in self.demand_starts for iv in range(first, end, self.interval))


def allowed_shifts(
    problem: RosterProblem, agent: Agent, usable: Sequence[ShiftType]
) -> list[list[str]]:
    """Per horizon day, the shift types (of ``usable``) the agent may work on that day: not on
    a day off or leave, no night shift unless night-eligible, none whose ``max_shifts`` is 0,
    only the fixed type on a fixed day."""
    fixed = {entry.date: entry.shift for entry in agent.fixed}
    limits = agent.contract.max_shifts
    unavailable = agent.unavailable_dates
    return [
        []
        if date in unavailable
        else [
            shift.id
            for shift in usable
            if (agent.night_eligible or not shift.night)
            and limits.get(shift.id) != 0
            and fixed.get(date, shift.id) in (None, shift.id)
        ]
        for date in problem.dates
    ]


# --------------------------------------------------------------------------- hard rules


def one_shift_per_day(m: RosterModel) -> None:
    """One shift or none per agent per day; defines the day literals ``works[a][d]``."""
    for days in m.shifts_of:
        row: list[cp_model.IntVar | None] = []
        sums: list[Expr | None] = []
        for allowed in days:
            lits = list(allowed.values())
            if len(lits) <= 1:
                row.append(lits[0] if lits else None)
                sums.append(lits[0] if lits else None)
            else:
                works = m.model.new_bool_var("")
                total = cp_model.LinearExpr.sum(lits)
                m.model.add(total == works)
                row.append(works)
                sums.append(total)
        m.works.append(row)
        m.day_work.append(sums)


def contract_hours(m: RosterModel) -> None:
    """Art. 31: per averaging block, work + leave credit = weekly x weeks +/- tolerance.

    Exact in integers: the checker's fractions give ``lo <= work <= hi`` with
    ``lo = ceil(target - credit - tol)`` and ``hi = floor(target - credit + tol)``.
    """
    problem = m.problem
    for a, agent in enumerate(problem.agents):
        contract = agent.contract
        if contract.weekly_minutes is None:
            continue
        for block in problem.averaging_blocks(contract.averaging_weeks):
            lo, hi = block_work_range(problem, agent, block.first, block.days)
            first = problem.day_index(block.first)
            work = m.work_minutes(a, range(first, first + block.days))
            guard = m.guard("contract_hours", a)
            m.model.add(work >= lo).only_enforce_if(guard)
            m.model.add(work <= hi).only_enforce_if(guard)


def block_work_range(
    problem: RosterProblem, agent: Agent, first: dt.date, days: int
) -> tuple[int, int]:
    """Art. 31: the work minutes an agent must do in a block (leave credit taken off)."""
    contract = agent.contract
    weekly = contract.weekly_minutes or 0
    dates = {first + dt.timedelta(days=offset) for offset in range(days)}
    leave_days = len(agent.leave_dates & dates)
    need = Fraction(weekly * days, 7) - leave_days * leave_credit_minutes(weekly)
    tolerance = contract.tolerance_minutes
    return math.ceil(need - tolerance), math.floor(need + tolerance)


def min_work_minutes(m: RosterModel) -> None:
    """Art. 31: at least ``min_work_minutes`` over the horizon (no leave credit)."""
    for a, agent in enumerate(m.problem.agents):
        if agent.contract.min_work_minutes is not None:
            work = m.work_minutes(a, range(m.days))
            limit = agent.contract.min_work_minutes
            m.model.add(work >= limit).only_enforce_if(m.guard("min_work_minutes", a))


def max_work_minutes(m: RosterModel) -> None:
    """Art. 31: at most ``max_work_minutes`` over the horizon."""
    for a, agent in enumerate(m.problem.agents):
        if agent.contract.max_work_minutes is not None:
            work = m.work_minutes(a, range(m.days))
            limit = agent.contract.max_work_minutes
            m.model.add(work <= limit).only_enforce_if(m.guard("max_work_minutes", a))


def max_shifts_per_type(m: RosterModel) -> None:
    """``max_shifts``: at most that many shifts of a type over the horizon."""
    for a, agent in enumerate(m.problem.agents):
        for shift, limit in agent.contract.max_shifts.items():
            lits = [allowed[shift] for allowed in m.shifts_of[a] if shift in allowed]
            if len(lits) > limit:
                m.model.add(sum(lits) <= limit).only_enforce_if(m.guard("max_shifts_per_type", a))


def max_consecutive_work_days(m: RosterModel) -> None:
    """At most k work days in a row: every window of k + 1 days has a day off."""
    for a, agent in enumerate(m.problem.agents):
        k = agent.contract.max_consecutive_work_days
        if k is None:
            continue
        row = m.day_work[a]
        for first in range(m.days - k):
            lits = [lit for lit in row[first : first + k + 1] if lit is not None]
            if len(lits) > k:
                m.model.add(cp_model.LinearExpr.sum(lits) <= k).only_enforce_if(
                    m.guard("max_consecutive_work_days", a)
                )


def min_consecutive_work_days(m: RosterModel) -> None:
    """No run of work days shorter than k, unless it touches the horizon's first or last day."""
    for a, agent in enumerate(m.problem.agents):
        k = agent.contract.min_consecutive_work_days
        if k is None or k <= 1:
            continue
        row = m.day_work[a]
        for length in range(1, k):
            for first in range(1, m.days - length):
                run = row[first : first + length]
                if any(lit is None for lit in run):
                    continue  # this run cannot be all work
                # a day before or after the run is worked, or a day of the run is not:
                # before + after + sum(1 - run) >= 1
                frame = [lit for lit in (row[first - 1], row[first + length]) if lit is not None]
                m.model.add(
                    cp_model.LinearExpr.sum(frame) - cp_model.LinearExpr.sum(run) >= 1 - length
                ).only_enforce_if(
                    m.guard("min_consecutive_work_days", a)
                )


def min_consecutive_days_off(m: RosterModel) -> None:
    """No run of days off (leave included) shorter than k, unless it touches the horizon's edge."""
    for a, agent in enumerate(m.problem.agents):
        k = agent.contract.min_consecutive_days_off
        if k is None or k <= 1:
            continue
        row = m.day_work[a]
        for length in range(1, k):
            for first in range(1, m.days - length):
                before, after = row[first - 1], row[first + length]
                if before is None or after is None:
                    continue  # the run cannot be framed by work days
                # not both frame days worked, or a day of the run is: (1 - before) + (1 - after)
                # + sum(run) >= 1
                run = [lit for lit in row[first : first + length] if lit is not None]
                m.model.add(
                    cp_model.LinearExpr.sum(run) - before - after >= -1
                ).only_enforce_if(
                    m.guard("min_consecutive_days_off", a)
                )


def weekends(problem: RosterProblem) -> dict[dt.date, list[int]]:
    """Horizon day indexes of each weekend, keyed by its Saturday."""
    found: dict[dt.date, list[int]] = defaultdict(list)
    for index, date in enumerate(problem.dates):
        saturday = weekend_of(date)
        if saturday is not None:
            found[saturday].append(index)
    return dict(found)


def max_weekends(m: RosterModel) -> None:
    """At most ``max_weekends`` weekends with a shift on Saturday or Sunday."""
    weekend_days = weekends(m.problem)
    for a, agent in enumerate(m.problem.agents):
        limit = agent.contract.max_weekends
        if limit is None:
            continue
        worked: list[Expr] = []
        for days in weekend_days.values():
            lits = [lit for d in days if (lit := m.day_work[a][d]) is not None]
            if len(lits) == 1:
                worked.append(lits[0])
            elif lits:
                weekend = m.model.new_bool_var("")
                for day in lits:
                    m.model.add(weekend >= day)
                worked.append(weekend)
        if len(worked) > limit:
            m.model.add(sum(worked) <= limit).only_enforce_if(m.guard("max_weekends", a))


def days_off_and_leave(m: RosterModel) -> None:
    """No shift on a day off or a leave day (explain mode only: otherwise no variable exists)."""
    problem = m.problem
    for a, agent in enumerate(problem.agents):
        for date in sorted(agent.unavailable_dates):
            for var in m.shifts_of[a][problem.day_index(date)].values():
                m.model.add(var == 0).only_enforce_if(m.guard("days_off_and_leave", a))


def fixed_assignments(m: RosterModel) -> None:
    """A fixed day carries that shift (``shift: null``: some shift)."""
    problem = m.problem
    for a, agent in enumerate(problem.agents):
        for entry in agent.fixed:
            day = problem.day_index(entry.date)
            lit = m.shifts_of[a][day].get(entry.shift) if entry.shift else m.works[a][day]
            guard = m.guard("fixed_assignments", a)
            if lit is None:
                m.model.add_bool_or([False]).only_enforce_if(guard)
            else:
                m.model.add(lit == 1).only_enforce_if(guard)


def night_eligibility(m: RosterModel) -> None:
    """No night shift for an agent who is not night-eligible (explain mode only, as above)."""
    nights = {s.id for s in m.problem.shift_types if s.night}
    for a, agent in enumerate(m.problem.agents):
        if agent.night_eligible:
            continue
        for allowed in m.shifts_of[a]:
            for shift, var in allowed.items():
                if shift in nights:
                    m.model.add(var == 0).only_enforce_if(m.guard("night_eligibility", a))


def rest_conflicts(m: RosterModel) -> dict[tuple[int, str, int], list[str]]:
    """``(day, shift, gap) -> shift types`` starting ``gap`` days later too soon after it ends.

    The checker's test, pairwise: a later shift must start at least ``min_rest_minutes`` after
    an earlier one ends (and never before it ends, even with no minimum rest). Computed once
    per model (and shared with the models made from it as a template).
    """
    return m.conflicts


def _rest_conflicts(m: RosterModel) -> dict[tuple[int, str, int], list[str]]:
    limit = m.problem.rules.min_rest_minutes
    longest = max(s.duration_minutes for s in m.problem.shift_types)
    gaps = range(1, (longest + limit) // 1440 + 3)
    conflicts: dict[tuple[int, str, int], list[str]] = {}
    for first in m.usable:
        for day in range(m.days):
            end = m.windows[first.id][day][1]
            for gap in gaps:
                if day + gap >= m.days:
                    break
                later = [
                    s.id for s in m.usable if m.windows[s.id][day + gap][0] - end < limit
                ]
                if later:
                    conflicts[day, first.id, gap] = later
    return conflicts


def min_rest_between_shifts(m: RosterModel) -> None:
    """At least ``min_rest_minutes`` from the end of one shift to the start of the next."""
    conflicts = rest_conflicts(m)
    for a, days in enumerate(m.shifts_of):
        for (day, shift, gap), later in conflicts.items():
            var = days[day].get(shift)
            if var is None:
                continue
            following = [days[day + gap][s] for s in later if s in days[day + gap]]
            if following:
                m.model.add(var + sum(following) <= 1).only_enforce_if(
                    m.guard("min_rest_between_shifts", a)
                )


def forbidden_successions(m: RosterModel) -> None:
    """No shift X on day d followed by Y on day d + 1 for a forbidden pair (X, Y)."""
    followers: dict[str, list[str]] = defaultdict(list)
    for first, second in m.problem.rules.forbidden_successions:
        followers[first].append(second)
    for a, days in enumerate(m.shifts_of):
        for day in range(m.days - 1):
            # shifts of one day exclude each other (one shift per day), so those with the same
            # forbidden followers share one constraint: sum(X) + sum(Y) <= 1
            nxt = days[day + 1]
            groups: dict[tuple[str, ...], list[cp_model.IntVar]] = defaultdict(list)
            for shift, var in days[day].items():
                following = tuple(s for s in followers.get(shift, ()) if s in nxt)
                if following:
                    groups[following].append(var)
            for following, earlier in groups.items():
                m.model.add(sum(earlier) + sum(nxt[s] for s in following) <= 1).only_enforce_if(
                    m.guard("forbidden_successions", a)
                )


def meal_and_rest_breaks(m: RosterModel) -> None:
    """Art. 32: split the agents on each long (day, shift type) over its valid break patterns.

    Only where the shift meets a demand interval (elsewhere breaks do not change the objective
    and every agent takes the most balanced pattern). Patterns that put the same minutes on the
    phones in every demand interval are one variable.
    """
    if m.explain:
        return  # breaks never make a problem infeasible: unusable shift types have no variable
    fixed = m.background.patterns if m.background is not None else {}
    for shift_id, patterns in m.patterns.items():
        if not patterns:
            continue
        for day in range(m.days):
            count, upper = m.count(day, shift_id)
            if upper == 0 or not m.overlaps_demand(day, shift_id):
                continue
            counts: list[PatternCount] = []
            taken = fixed.get((day, shift_id)) if isinstance(count, int) else None
            for index, profile in distinct_patterns(m, day, shift_id):
                if taken is not None:  # every agent of this (day, shift) is fixed, breaks too
                    counts.append(PatternCount(index, taken.get(index, 0), upper, profile))
                else:
                    var = m.model.new_int_var(0, upper, "")
                    counts.append(PatternCount(index, var, upper, profile))
            if taken is None:
                m.model.add(sum(item.var for item in counts) == count)
            m.pattern_counts[day, shift_id] = counts


def distinct_patterns(m: RosterModel, day: int, shift_id: str) -> list[tuple[int, dict[int, int]]]:
    """The break patterns of a long (day, shift type) that differ in the demand intervals they
    take agents off the phones in: ``(pattern index, {interval: break minutes})``, first of each."""
    seen: set[tuple[tuple[int, int], ...]] = set()
    found: list[tuple[int, dict[int, int]]] = []
    for index, pattern in enumerate(m.patterns[shift_id]):
        breaks = [(offset, offset + minutes) for _, offset, minutes in pattern.breaks]
        profile = m.demand_profile(day, shift_id, breaks)
        key = tuple(sorted(profile.items()))
        if key not in seen:
            seen.add(key)
            found.append((index, profile))
    return found


def max_concurrent_annual_leave(m: RosterModel) -> None:
    """Art. 40: leave is input, so a problem whose leave already breaks the limit is refused."""
    ensure_annual_leave_within_limit(m.problem)


# --------------------------------------------------------------------------- soft rules


def demand_coverage(m: RosterModel) -> list[SoftTerm]:
    """Art. 30: agents on the phones (net of breaks) per demand interval vs agents wanted.

    ``under = ceil(weight_under * short / I)`` per interval with ``short`` in agent-minutes (and
    ``over`` likewise): a minimised integer ``u`` with ``I * u >= weight * (want - on)``.
    """
    problem, length = m.problem, m.interval
    if not problem.demand:
        return []
    # on = sum of whole-shift overlaps x count - sum of break minutes x pattern count: each
    # pattern variable appears only in the (one or two) intervals its breaks fall in.
    pieces: dict[int, list[tuple[int, Expr, int]]] = defaultdict(list)
    for shift in m.usable:
        for day in range(m.days):
            if not m.overlaps_demand(day, shift.id):
                continue
            count, upper = m.count(day, shift.id)
            if not upper:
                continue
            profile = m.demand_profile(day, shift.id, [(0, shift.duration_minutes)])
            for iv, minutes in profile.items():
                pieces[iv].append((minutes, count, upper))
            for item in m.pattern_counts.get((day, shift.id), []):
                for iv, minutes in item.off_phones.items():
                    pieces[iv].append((-minutes, item.var, 0))
    terms: list[SoftTerm] = []
    for demand in sorted(problem.demand, key=lambda item: problem.minute_of(item.start)):
        start = problem.minute_of(demand.start)
        parts = pieces.get(start, [])
        on = cp_model.LinearExpr.weighted_sum([v for _, v, _ in parts], [c for c, _, _ in parts])
        most = sum(c * upper for c, _, upper in parts if c > 0)
        m.on_phones[start] = (on, most)
        want = demand.agents * length
        subject = format_datetime(problem.at_minute(start).replace(tzinfo=None))
        if demand.weight_under and want:
            under = m.model.new_int_var(0, _ceil_div(demand.weight_under * want, length), "")
            m.model.add(length * under + demand.weight_under * on >= demand.weight_under * want)
            exact = partial(_under, on=on, want=want, weight=demand.weight_under, length=length)
            terms.append(SoftTerm("under_coverage", subject, 1, under, exact))
        if demand.weight_over and most > want:
            top = _ceil_div(demand.weight_over * (most - want), length)
            over = m.model.new_int_var(0, top, "")
            m.model.add(length * over - demand.weight_over * on >= -demand.weight_over * want)
            exact = partial(_over, on=on, want=want, weight=demand.weight_over, length=length)
            terms.append(SoftTerm("over_coverage", subject, 1, over, exact))
    return terms


def shift_cover(m: RosterModel) -> list[SoftTerm]:
    """Cover entries: agents on a shift type on a day vs ``required`` (whole shifts)."""
    problem = m.problem
    terms: list[SoftTerm] = []
    for cover in problem.cover:
        day = problem.day_index(cover.date)
        count, upper = m.count(day, cover.shift)
        subject = f"{cover.date}/{cover.shift}"
        if cover.weight_under and cover.required:
            if upper == 0:
                terms.append(SoftTerm("cover_under", subject, cover.weight_under, cover.required))
            else:
                short = m.model.new_int_var(0, cover.required, "")
                m.model.add(short + count >= cover.required)
                exact = partial(_short, count=count, required=cover.required)
                terms.append(SoftTerm("cover_under", subject, cover.weight_under, short, exact))
        if cover.weight_over and upper > cover.required:
            surplus = m.model.new_int_var(0, upper - cover.required, "")
            m.model.add(surplus - count >= -cover.required)
            exact = partial(_surplus, count=count, required=cover.required)
            terms.append(SoftTerm("cover_over", subject, cover.weight_over, surplus, exact))
    return terms


def agent_requests(m: RosterModel) -> list[SoftTerm]:
    """``weights.request * weight`` per unmet request (``on``: wants it; off: does not)."""
    problem = m.problem
    terms: list[SoftTerm] = []
    for a, agent in enumerate(problem.agents):
        for request in agent.requests:
            scale = problem.weights.request * request.weight
            if not scale:
                continue
            day = problem.day_index(request.date)
            lit = m.shifts_of[a][day].get(request.shift) if request.shift else m.works[a][day]
            granted: Expr = lit if lit is not None else 0
            unmet: Expr = 1 - granted if request.on else granted
            subject = f"{agent.id}/{request.date}/{request.shift or 'any'}"
            terms.append(SoftTerm("unmet_request", subject, scale, unmet))
    return terms


def fairness(m: RosterModel) -> list[SoftTerm]:
    """Per team: (most - fewest) night shifts among night-eligible agents, and weekend days."""
    problem = m.problem
    scale = problem.weights.fairness
    if not scale:
        return []
    nights = {s.id for s in problem.shift_types if s.night}
    weekend_days = [d for days in weekends(problem).values() for d in days]
    teams: dict[str, list[int]] = defaultdict(list)
    for a, agent in enumerate(problem.agents):
        teams[agent.team].append(a)
    terms: list[SoftTerm] = []
    background = m.background
    for team in sorted(set(teams) | set(background.nights if background else ())
                       | set(background.weekends if background else ())):
        members = teams.get(team, [])
        night_counts: list[Expr] = [
            sum(var for allowed in m.shifts_of[a] for s, var in allowed.items() if s in nights)
            for a in members
            if problem.agents[a].night_eligible
        ]
        weekend_counts: list[Expr] = [
            sum(lit for d in weekend_days if (lit := m.works[a][d]) is not None) for a in members
        ]
        if background is not None:  # fixed members: constants in the spread
            night_counts += background.nights.get(team, [])
            weekend_counts += background.weekends.get(team, [])
        for rule, counts in (("fairness_nights", night_counts), ("fairness_weekends",
                                                                 weekend_counts)):
            if len(counts) < 2 or all(isinstance(count, int) for count in counts):
                continue
            most = m.model.new_int_var(0, m.days, "")
            fewest = m.model.new_int_var(0, m.days, "")
            constants = [count for count in counts if isinstance(count, int)]
            variables = [count for count in counts if not isinstance(count, int)]
            if constants:
                m.model.add(most >= max(constants))
                m.model.add(fewest <= min(constants))
            for count in variables:
                m.model.add(most >= count)
                m.model.add(fewest <= count)
            exact = partial(_spread, counts=counts)
            terms.append(SoftTerm(rule, team, scale, most - fewest, exact))
    return terms


def change_from_previous(m: RosterModel) -> list[SoftTerm]:
    """``weights.change_from`` per (agent, date) whose shift differs from ``previous_roster``."""
    problem = m.problem
    previous = problem.previous_roster
    scale = problem.weights.change_from
    if previous is None or not scale:
        return []
    before: dict[tuple[str, dt.date], set[str]] = defaultdict(set)
    for assignment in previous.assignments:
        before[assignment.agent, assignment.date].add(assignment.shift)
    terms: list[SoftTerm] = []
    for a, agent in enumerate(problem.agents):
        for day, date in enumerate(problem.dates):
            shifts = before.get((agent.id, date), set())
            changed: Expr
            if not shifts:
                works = m.works[a][day]
                changed = works if works is not None else 0
            elif len(shifts) == 1:
                var = m.shifts_of[a][day].get(next(iter(shifts)))
                changed = 1 - var if var is not None else 1
            else:
                changed = 1  # two shifts before; at most one now
            terms.append(SoftTerm("change_from", f"{agent.id}/{date}", scale, changed))
    return terms


# --------------------------------------------------------------------------- registry


@dataclass(frozen=True)
class HardRule:
    """A hard rule: ``add`` puts its constraints into the model; ``what`` says it for an agent."""

    add: Callable[[RosterModel], None]
    article: int | None = None
    what: Callable[[Agent, RosterProblem], str] | None = None

    @property
    def name(self) -> str:
        return self.add.__name__

    def explain(self, agent: Agent, problem: RosterProblem) -> str:
        """The rule for one agent in a supervisor's words (for infeasibility reasons)."""
        head = f"art. {self.article} " if self.article is not None else ""
        detail = self.what(agent, problem) if self.what is not None else self.name
        return f"{head}{self.name}: {agent.id}: {detail}"


@dataclass(frozen=True)
class SoftRule:
    terms: Callable[[RosterModel], list[SoftTerm]]
    article: int | None = None

    @property
    def name(self) -> str:
        return self.terms.__name__


def _weeks(agent: Agent, problem: RosterProblem) -> str:
    c = agent.contract
    weeks = c.averaging_weeks or math.ceil(problem.days / 7)
    tol = f" +/- {c.tolerance_minutes}" if c.tolerance_minutes else ""
    return f"{c.weekly_minutes:,} weekly minutes{tol}, averaged over {weeks} week(s)"


def _dates(dates: Sequence[dt.date]) -> str:
    shown = ", ".join(day.isoformat() for day in dates[:6])
    return shown + (f" and {len(dates) - 6} more" if len(dates) > 6 else "")


def _fixed(agent: Agent, problem: RosterProblem) -> str:
    shown = ", ".join(f"{e.shift or 'a shift'} on {e.date}" for e in agent.fixed[:6])
    more = f" and {len(agent.fixed) - 6} more" if len(agent.fixed) > 6 else ""
    return "fixed to " + shown + more


HARD_RULES: tuple[HardRule, ...] = (
    HardRule(one_shift_per_day, what=lambda a, p: "one shift per day"),
    HardRule(contract_hours, 31, _weeks),
    HardRule(min_work_minutes, 31,
             lambda a, p: f"at least {a.contract.min_work_minutes:,} work minutes"),
    HardRule(max_work_minutes, 31,
             lambda a, p: f"at most {a.contract.max_work_minutes:,} work minutes"),
    HardRule(max_shifts_per_type, None, lambda a, p: "at most " + ", ".join(
        f"{limit} {shift}" for shift, limit in sorted(a.contract.max_shifts.items())) + " shifts"),
    HardRule(max_consecutive_work_days, None,
             lambda a, p: f"at most {a.contract.max_consecutive_work_days} work days in a row"),
    HardRule(min_consecutive_work_days, None,
             lambda a, p: f"at least {a.contract.min_consecutive_work_days} work days in a row"),
    HardRule(min_consecutive_days_off, None,
             lambda a, p: f"at least {a.contract.min_consecutive_days_off} days off in a row"),
    HardRule(max_weekends, None,
             lambda a, p: f"at most {a.contract.max_weekends} weekends worked"),
    HardRule(days_off_and_leave, None,
             lambda a, p: "no shift on days off and leave " + _dates(sorted(a.unavailable_dates))),
    HardRule(fixed_assignments, None, _fixed),
    HardRule(night_eligibility, None, lambda a, p: "not night-eligible"),
    HardRule(min_rest_between_shifts, None,
             lambda a, p: f"at least {p.rules.min_rest_minutes} minutes of rest between shifts"),
    HardRule(forbidden_successions, None, lambda a, p: "no " + ", ".join(
        f"{x} followed by {y}" for x, y in p.rules.forbidden_successions) + " the next day"),
    HardRule(meal_and_rest_breaks, 32),
    HardRule(max_concurrent_annual_leave, 40),
)

SOFT_RULES: tuple[SoftRule, ...] = (
    SoftRule(demand_coverage, 30),
    SoftRule(shift_cover),
    SoftRule(agent_requests),
    SoftRule(fairness),
    SoftRule(change_from_previous),
)

HARD_RULES_BY_NAME = {rule.name: rule for rule in HARD_RULES}


# What a roster's penalty lines are made of: the day literals and the break pattern counts.
_STRUCTURE_RULES = ("one_shift_per_day", "meal_and_rest_breaks")


def build(
    problem: RosterProblem,
    *,
    explain: bool = False,
    background: Background | None = None,
    constraints: bool = True,
) -> tuple[RosterModel, list[SoftTerm]]:
    """The model with every hard rule and (unless ``explain``) every soft term and objective.

    ``constraints=False``: only the variables the penalty lines are made of (shifts, day
    literals, counts, break patterns) and the lines themselves, no other hard rule - a model
    never solved, used to write the exact lines of a roster whose hard rules hold already
    (at benchmark scale the hard rules are most of the building time).
    """
    m = RosterModel(problem, explain=explain, background=background)
    for rule in HARD_RULES:
        if constraints or rule.name in _STRUCTURE_RULES:
            rule.add(m)
    if explain:
        return m, []
    terms = [term for rule in SOFT_RULES for term in rule.terms(m)]
    m.model.minimize(
        cp_model.LinearExpr.weighted_sum([t.expr for t in terms], [t.coefficient for t in terms])
    )
    return m, terms
