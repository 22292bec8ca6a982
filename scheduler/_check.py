"""Independent roster checker: re-derives every hard rule and every penalty from the data.

It shares no code with the solver and never uses OR-Tools: only the problem model (pure data
facts such as shift windows, work minutes, averaging blocks) is common. One function per rule,
named after the rule, registered in :data:`HARD_RULES` and :data:`SOFT_RULES` with its article.

Time. Every instant is turned into whole real minutes from the horizon start
(``RosterProblem.minute_of``), so all arithmetic below is on integers (or exact fractions).
A shift's times are taken from its shift type (``shift_times`` checks that the assignment's
``start``/``end`` agree); breaks are taken from the roster.

Hard rules (a violation names rule, article where one applies, agent, date, message):

* ``assignment_references`` - the assignment names a known agent and shift type, inside the
  horizon; assignments failing this are ignored by every other rule.
* ``one_shift_per_day``; ``shift_times`` - start/end equal the shift type's window.
* ``contract_hours`` (art. 31) - per averaging block (``RosterProblem.averaging_blocks``):
  ``work + leave_days * weekly/5`` against ``target = weekly * days_in_block / 7`` (whole blocks:
  ``weekly * weeks``; a shorter last block pro rata). No rounding at all: both sides are exact
  fractions and a violation is ``|work + credit - target| > tolerance_minutes``. A solver can
  use the same test in integers by multiplying by 35:
  ``|35*work + 7*weekly*leave_days - 5*weekly*days| <= 35*tolerance``. Work minutes of a shift
  are its duration minus its *due* breaks (``RosterProblem.work_minutes``), whatever the roster
  says; a leave day counts once even if listed twice.
* ``min_work_minutes`` / ``max_work_minutes`` (art. 31) - work minutes over the horizon, no
  leave credit.
* ``max_shifts`` per shift type over the horizon.
* ``max_consecutive_work_days``; ``min_consecutive_work_days`` and ``min_consecutive_days_off``
  (a run touching the first or last day of the horizon is never too short); a day is "off"
  when no shift belongs to it, days off and leave included. One violation per run.
* ``max_weekends`` - weekends (Saturday + Sunday) with a shift on either day.
* ``days_off``, ``leave`` - no shift on them; ``fixed`` - that shift (null: some shift);
  ``night_eligible`` - no night shift otherwise.
* ``min_rest_between_shifts`` - an agent's shifts in start order (across any days): the gap from
  the latest end so far to the next start is >= ``min_rest_minutes``, and never negative (two
  shifts of one agent never overlap, even with ``min_rest_minutes`` 0).
* ``forbidden_successions`` - shift X on day d and Y on day d+1.
* ``breaks`` (art. 32) - a long shift (``RosterProblem.breaks_due``) carries exactly one meal of
  ``meal_minutes`` and one rest of ``rest_minutes``, each inside the shift, not overlapping, none
  starting before ``min_work_before_first_break_minutes`` into it, and no work stretch longer
  than ``max_continuous_work_minutes``; a short shift carries none. Break starts need not be
  aligned to any grid. One violation per defect.
* ``max_concurrent_annual_leave`` (art. 40) - from the problem's leave.

Penalties (soft terms; each line is ``{rule, subject, amount}`` with an integer amount > 0;
lines of amount 0 are not written; the objective is their sum):

* ``under_coverage`` / ``over_coverage`` (art. 30), subject = the interval start as written in
  the contract, local time (``2026-11-30T09:00``). For interval ``[s, s+I)``, ``I =
  interval_minutes``: ``on = `` agent-minutes on the phones = sum over shifts of the minutes of
  the interval inside the shift and outside its breaks (an agent on a break is not on the
  phones; overlapping breaks count once); ``want = agents * I``; ``short = max(0, want - on)``,
  ``surplus = max(0, on - want)``. Pro rata by minutes, rounded up per interval:
  ``under = ceil(weight_under * short / I)``, ``over = ceil(weight_over * surplus / I)``.
  This is exact (``weight * agents short``) whenever agents are on or off the phones for whole
  intervals, an integer always, and linear for CP-SAT: a minimised integer ``p`` with
  ``I * p >= weight * short`` takes exactly this value. The coverage line of an interval reports
  ``on_phones = on / I`` (a roster's line matches when within 1e-6 of it).
* ``cover_under`` / ``cover_over``, subject ``DATE/SHIFT``: agents assigned that shift type that
  day (whole shifts, breaks irrelevant) vs ``required``, times the weights.
* ``unmet_request``, subject ``AGENT/DATE/SHIFT`` (``any`` when ``shift`` is null), amount
  ``weights.request * weight``: ``on: true`` + shift is unmet unless the agent works that shift
  that day; ``on: true`` + null unless the agent works that day; ``on: false`` + shift is unmet
  if the agent works that shift; ``on: false`` + null if the agent works at all that day.
* ``fairness_nights`` / ``fairness_weekends``, subject = team: ``weights.fairness`` times
  (most - fewest night shifts over the horizon among the team's night-eligible agents) and
  (most - fewest Saturdays/Sundays worked among all the team's agents); 0 for fewer than two.
* ``change_from``, subject ``AGENT/DATE``, amount ``weights.change_from``: for every agent of the
  problem and every day of the horizon whose set of shift ids differs from the previous
  roster's (a day absent from it counts as off).

The report also says whether the roster's ``objective`` equals the recomputed sum, whether its
``penalties`` equal the recomputed lines (as a multiset of ``(rule, subject, amount)``, zero
amounts ignored) and whether its ``coverage`` lines agree (every demand interval has one line;
every line, demand or not, has the recomputed ``required`` and ``on_phones``).
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cached_property
from typing import Any

from scheduler._problem import (
    Agent,
    Assignment,
    Cover,
    Demand,
    Roster,
    RosterProblem,
    ShiftType,
    annual_leave_conflicts,
    format_datetime,
    leave_credit_minutes,
    weekend_of,
)

# --------------------------------------------------------------------------- report


@dataclass(frozen=True)
class Violation:
    """A broken hard rule."""

    rule: str
    article: int | None
    agent: str | None
    date: dt.date | None
    message: str

    def __str__(self) -> str:
        parts = [f"art. {self.article}"] if self.article is not None else []
        parts.append(self.rule)
        parts += [part for part in (self.agent, self.date and self.date.isoformat()) if part]
        return f"{' '.join(parts)}: {self.message}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "article": self.article,
            "agent": self.agent,
            "date": self.date.isoformat() if self.date else None,
            "message": self.message,
        }


@dataclass(frozen=True)
class PenaltyTerm:
    """One recomputed penalty line."""

    rule: str
    subject: str
    amount: int

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "subject": self.subject, "amount": self.amount}


@dataclass(frozen=True)
class IntervalCoverage:
    """Recomputed coverage of one interval, exact in agent-minutes."""

    start: dt.datetime  # local wall-clock time, naive
    required: int
    on_phone_minutes: int
    interval_minutes: int

    @property
    def on_phones(self) -> Fraction:
        return Fraction(self.on_phone_minutes, self.interval_minutes)

    def to_dict(self) -> dict[str, Any]:
        return {
            "start": format_datetime(self.start),
            "required": self.required,
            "on_phones": _number(self.on_phones),
            "on_phone_minutes": self.on_phone_minutes,
        }


@dataclass(frozen=True)
class CheckReport:
    """What :func:`check_roster` found. ``ok``: no hard rule broken."""

    problem: str
    violations: tuple[Violation, ...]
    penalties: tuple[PenaltyTerm, ...]
    coverage: tuple[IntervalCoverage, ...]
    roster_objective: int | float
    penalty_mismatches: tuple[str, ...] = ()
    coverage_mismatches: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.violations

    @property
    def objective(self) -> int:
        """The recomputed objective: the sum of the recomputed penalties."""
        return sum(term.amount for term in self.penalties)

    @property
    def objective_matches(self) -> bool:
        return Fraction(self.roster_objective) == self.objective

    @property
    def penalties_match(self) -> bool:
        return not self.penalty_mismatches

    @property
    def coverage_matches(self) -> bool:
        return not self.coverage_mismatches

    @property
    def consistent(self) -> bool:
        """The roster's own objective, penalties and coverage lines are all right."""
        return self.objective_matches and self.penalties_match and self.coverage_matches

    def violations_of(self, rule: str) -> list[Violation]:
        return [violation for violation in self.violations if violation.rule == rule]

    def penalty_of(self, rule: str) -> int:
        return sum(term.amount for term in self.penalties if term.rule == rule)

    def to_dict(self) -> dict[str, Any]:
        return {
            "problem": self.problem,
            "ok": self.ok,
            "violations": [violation.to_dict() for violation in self.violations],
            "penalties": [term.to_dict() for term in self.penalties],
            "objective": self.objective,
            "roster_objective": self.roster_objective,
            "objective_matches": self.objective_matches,
            "penalties_match": self.penalties_match,
            "penalty_mismatches": list(self.penalty_mismatches),
            "coverage": [line.to_dict() for line in self.coverage],
            "coverage_matches": self.coverage_matches,
            "coverage_mismatches": list(self.coverage_mismatches),
            "notes": list(self.notes),
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False)

    def to_text(self) -> str:
        count = len(self.violations)
        lines = [f"Roster check of {self.problem}: {count} hard violation{_s(count)}"]
        lines += [f"  {violation}" for violation in self.violations]
        lines.append(
            f"Penalties: {len(self.penalties)} line{_s(len(self.penalties))}, "
            f"objective {self.objective}"
        )
        lines += [f"  {t.rule} {t.subject}: {t.amount}" for t in self.penalties]
        verdict = "matches" if self.objective_matches else f"differs from {self.objective}"
        lines.append(f"Roster objective {self.roster_objective}: {verdict}")
        lines.append("Roster penalties: " + ("match" if self.penalties_match else "differ"))
        lines += [f"  {mismatch}" for mismatch in self.penalty_mismatches]
        lines.append("Roster coverage lines: " + ("match" if self.coverage_matches else "differ"))
        lines += [f"  {mismatch}" for mismatch in self.coverage_mismatches]
        lines += [f"Note: {note}" for note in self.notes]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.to_text()


def _s(count: int) -> str:
    return "" if count == 1 else "s"


def _number(value: Fraction) -> int | float:
    return int(value) if value.denominator == 1 else float(value)


def _minutes(value: Fraction) -> str:
    return str(value.numerator) if value.denominator == 1 else f"{float(value):.2f}"


# --------------------------------------------------------------------------- the roster in minutes


@dataclass(frozen=True)
class _Placed:
    """A valid assignment placed in time (minutes from the horizon start)."""

    assignment: Assignment
    agent: Agent
    shift: ShiftType
    day: int
    start: int
    end: int
    breaks: tuple[tuple[str, int, int], ...]  # (kind, start, end)

    @property
    def date(self) -> dt.date:
        return self.assignment.date

    def on_phones(self) -> list[tuple[int, int]]:
        """The shift minus its breaks, as sorted disjoint ``[start, end)`` segments."""
        segments: list[tuple[int, int]] = []
        cursor = self.start
        for _, begin, finish in sorted(self.breaks, key=lambda item: item[1]):
            # a break (partly) outside the shift only removes the part inside it
            begin = min(max(begin, self.start), self.end)
            finish = max(min(finish, self.end), begin)
            if begin > cursor:
                segments.append((cursor, begin))
            cursor = max(cursor, finish)
        if cursor < self.end:
            segments.append((cursor, self.end))
        return segments


@dataclass
class _Context:
    problem: RosterProblem
    roster: Roster
    placed: list[_Placed] = field(default_factory=list)
    rejected: list[tuple[Assignment, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        problem = self.problem
        for assignment in self.roster.assignments:
            agent = problem.agents_by_id.get(assignment.agent)
            shift = problem.shift_types_by_id.get(assignment.shift)
            if agent is None:
                self.rejected.append((assignment, f"unknown agent {assignment.agent!r}"))
            elif shift is None:
                self.rejected.append((assignment, f"unknown shift type {assignment.shift!r}"))
            elif not problem.in_horizon(assignment.date):
                self.rejected.append((assignment, "date outside the horizon"))
            else:
                start, end = problem.shift_window(shift.id, assignment.date)
                breaks = tuple(
                    (item.kind, minute, minute + item.minutes)
                    for item in assignment.breaks
                    for minute in [problem.minute_of(item.start)]
                )
                self.placed.append(
                    _Placed(
                        assignment,
                        agent,
                        shift,
                        problem.day_index(assignment.date),
                        problem.minute_of(start),
                        problem.minute_of(end),
                        breaks,
                    )
                )

    @cached_property
    def by_agent(self) -> Mapping[str, list[_Placed]]:
        """Each agent's valid shifts in start order (every agent of the problem present)."""
        shifts: dict[str, list[_Placed]] = {agent.id: [] for agent in self.problem.agents}
        for placed in sorted(self.placed, key=lambda item: (item.start, item.end)):
            shifts[placed.agent.id].append(placed)
        return shifts

    @cached_property
    def by_agent_day(self) -> Mapping[tuple[str, int], list[_Placed]]:
        shifts: defaultdict[tuple[str, int], list[_Placed]] = defaultdict(list)
        for placed in self.placed:
            shifts[placed.agent.id, placed.day].append(placed)
        return shifts

    def shifts_on(self, agent: str, day: int) -> list[_Placed]:
        return self.by_agent_day.get((agent, day), [])

    def worked_days(self, agent: str) -> list[bool]:
        return [bool(self.shifts_on(agent, day)) for day in range(self.problem.days)]

    def work_minutes(self, shifts: Iterable[_Placed]) -> int:
        return sum(self.problem.work_minutes(placed.shift) for placed in shifts)

    def local(self, minute: int) -> str:
        return format_datetime(self.problem.at_minute(minute).replace(tzinfo=None))

    @cached_property
    def demand_lines(self) -> tuple[tuple[Demand, IntervalCoverage], ...]:
        """Every demand interval with its recomputed coverage, in time order."""
        demand = sorted(self.problem.demand, key=lambda item: self.problem.minute_of(item.start))
        starts = [self.problem.minute_of(item.start) for item in demand]
        minutes = self.on_phone_minutes(starts)
        return tuple(
            (item, self.coverage_at(start, item.agents, minutes[start]))
            for item, start in zip(demand, starts, strict=True)
        )

    @property
    def demand_coverage(self) -> tuple[IntervalCoverage, ...]:
        return tuple(line for _, line in self.demand_lines)

    def coverage_at(self, start: int, required: int, on_phone_minutes: int) -> IntervalCoverage:
        local = self.problem.at_minute(start).replace(tzinfo=None)
        return IntervalCoverage(local, required, on_phone_minutes, self.problem.interval_minutes)

    def on_phone_minutes(self, starts: Iterable[int]) -> dict[int, int]:
        """Agent-minutes on the phones in ``[s, s + interval_minutes)`` for aligned starts ``s``."""
        length = self.problem.interval_minutes
        totals = dict.fromkeys(starts, 0)
        for placed in self.placed:
            for begin, finish in placed.on_phones():
                for index in range(begin // length, (finish - 1) // length + 1):
                    start = index * length
                    if start in totals:
                        totals[start] += min(finish, start + length) - max(begin, start)
        return totals


# --------------------------------------------------------------------------- hard rules

# A hard rule yields (agent, date, message); the registry adds its name and article.
_Finding = tuple[str | None, dt.date | None, str]


def assignment_references(ctx: _Context) -> Iterator[_Finding]:
    for assignment, reason in ctx.rejected:
        yield assignment.agent, assignment.date, f"{reason}; assignment ignored"


def one_shift_per_day(ctx: _Context) -> Iterator[_Finding]:
    for (agent, _), shifts in sorted(ctx.by_agent_day.items()):
        if len(shifts) > 1:
            names = ", ".join(placed.shift.id for placed in shifts)
            yield agent, shifts[0].date, f"{len(shifts)} shifts on one day ({names})"


def shift_times(ctx: _Context) -> Iterator[_Finding]:
    minute_of = ctx.problem.minute_of
    for placed in ctx.placed:
        start, end = placed.assignment.start, placed.assignment.end
        if (minute_of(start), minute_of(end)) != (placed.start, placed.end):
            yield (
                placed.agent.id,
                placed.date,
                f"{placed.shift.id} runs {ctx.local(placed.start)}..{ctx.local(placed.end)}, "
                f"the assignment says {format_datetime(start)}..{format_datetime(end)}",
            )


def contract_hours(ctx: _Context) -> Iterator[_Finding]:
    problem = ctx.problem
    for agent in problem.agents:
        contract = agent.contract
        if contract.weekly_minutes is None:
            continue
        credit = leave_credit_minutes(contract.weekly_minutes)
        for block in problem.averaging_blocks(contract.averaging_weeks):
            days = set(block.dates)
            worked = ctx.work_minutes(p for p in ctx.by_agent[agent.id] if p.date in days)
            leave_days = len(agent.leave_dates & days)
            total = worked + leave_days * credit
            target = block.target_minutes(contract.weekly_minutes)
            if abs(total - target) > contract.tolerance_minutes:
                last = block.dates[-1]
                yield (
                    agent.id,
                    block.first,
                    f"block {block.first}..{last} ({block.days} days): {worked} work minutes"
                    f" + {leave_days} leave day(s) x {_minutes(credit)} = {_minutes(total)},"
                    f" target {_minutes(target)} +/- {contract.tolerance_minutes}",
                )


def min_work_minutes(ctx: _Context) -> Iterator[_Finding]:
    for agent in ctx.problem.agents:
        limit = agent.contract.min_work_minutes
        worked = ctx.work_minutes(ctx.by_agent[agent.id])
        if limit is not None and worked < limit:
            yield agent.id, None, f"{worked} work minutes over the horizon < {limit}"


def max_work_minutes(ctx: _Context) -> Iterator[_Finding]:
    for agent in ctx.problem.agents:
        limit = agent.contract.max_work_minutes
        worked = ctx.work_minutes(ctx.by_agent[agent.id])
        if limit is not None and worked > limit:
            yield agent.id, None, f"{worked} work minutes over the horizon > {limit}"


def max_shifts(ctx: _Context) -> Iterator[_Finding]:
    for agent in ctx.problem.agents:
        counts = Counter(placed.shift.id for placed in ctx.by_agent[agent.id])
        for shift_id, limit in sorted(agent.contract.max_shifts.items()):
            if counts[shift_id] > limit:
                yield agent.id, None, f"{counts[shift_id]} {shift_id} shifts > {limit}"


def _runs(values: Sequence[bool]) -> Iterator[tuple[bool, int, int]]:
    """Maximal runs as (value, first index, length)."""
    first = 0
    for index in range(1, len(values) + 1):
        if index == len(values) or values[index] != values[first]:
            yield values[first], first, index - first
            first = index


def _run_findings(
    ctx: _Context, working: bool, limit_of: Callable[[Agent], int | None], too_long: bool
) -> Iterator[_Finding]:
    problem = ctx.problem
    what = "work days" if working else "days off"
    for agent in problem.agents:
        limit = limit_of(agent)
        if limit is None:
            continue
        for value, first, length in _runs(ctx.worked_days(agent.id)):
            if value != working:
                continue
            span = f"{problem.dates[first]}..{problem.dates[first + length - 1]}"
            if too_long and length > limit:
                yield agent.id, problem.dates[first], f"{length} {what} {span} > {limit}"
            touches_edge = first == 0 or first + length == problem.days
            if not too_long and length < limit and not touches_edge:
                yield agent.id, problem.dates[first], f"{length} {what} {span} < {limit}"


def max_consecutive_work_days(ctx: _Context) -> Iterator[_Finding]:
    yield from _run_findings(ctx, True, lambda a: a.contract.max_consecutive_work_days, True)


def min_consecutive_work_days(ctx: _Context) -> Iterator[_Finding]:
    yield from _run_findings(ctx, True, lambda a: a.contract.min_consecutive_work_days, False)


def min_consecutive_days_off(ctx: _Context) -> Iterator[_Finding]:
    yield from _run_findings(ctx, False, lambda a: a.contract.min_consecutive_days_off, False)


def max_weekends(ctx: _Context) -> Iterator[_Finding]:
    for agent in ctx.problem.agents:
        limit = agent.contract.max_weekends
        if limit is None:
            continue
        weekends = {weekend_of(placed.date) for placed in ctx.by_agent[agent.id]} - {None}
        if len(weekends) > limit:
            yield agent.id, None, f"{len(weekends)} weekends worked > {limit}"


def days_off(ctx: _Context) -> Iterator[_Finding]:
    for agent in ctx.problem.agents:
        for day in sorted(set(agent.days_off)):
            for placed in ctx.shifts_on(agent.id, ctx.problem.day_index(day)):
                yield agent.id, day, f"{placed.shift.id} on a day off"


def leave(ctx: _Context) -> Iterator[_Finding]:
    for agent in ctx.problem.agents:
        kinds = {entry.date: entry.kind for entry in agent.leave}
        for day in sorted(kinds):
            for placed in ctx.shifts_on(agent.id, ctx.problem.day_index(day)):
                yield agent.id, day, f"{placed.shift.id} during {kinds[day]} leave"


def fixed(ctx: _Context) -> Iterator[_Finding]:
    for agent in ctx.problem.agents:
        for entry in agent.fixed:
            shifts = {
                p.shift.id for p in ctx.shifts_on(agent.id, ctx.problem.day_index(entry.date))
            }
            if entry.shift is None and not shifts:
                yield agent.id, entry.date, "fixed to work, but no shift"
            elif entry.shift is not None and entry.shift not in shifts:
                got = ", ".join(sorted(shifts)) or "no shift"
                yield agent.id, entry.date, f"fixed to {entry.shift}, got {got}"


def night_eligible(ctx: _Context) -> Iterator[_Finding]:
    for placed in ctx.placed:
        if placed.shift.night and not placed.agent.night_eligible:
            yield placed.agent.id, placed.date, f"night shift {placed.shift.id}, not night-eligible"


def min_rest_between_shifts(ctx: _Context) -> Iterator[_Finding]:
    limit = ctx.problem.rules.min_rest_minutes
    for agent, shifts in ctx.by_agent.items():
        previous: _Placed | None = None  # the shift ending latest so far
        for current in shifts:
            if previous is not None and current.start - previous.end < 0:
                yield agent, current.date, (
                    f"{current.shift.id} starting {ctx.local(current.start)} overlaps "
                    f"{previous.shift.id} ending {ctx.local(previous.end)}"
                )
            elif previous is not None and current.start - previous.end < limit:
                yield agent, current.date, (
                    f"{current.start - previous.end} minutes of rest between "
                    f"{previous.shift.id} ending {ctx.local(previous.end)} and "
                    f"{current.shift.id} starting {ctx.local(current.start)} < {limit}"
                )
            if previous is None or current.end > previous.end:
                previous = current


def forbidden_successions(ctx: _Context) -> Iterator[_Finding]:
    forbidden = set(ctx.problem.rules.forbidden_successions)
    for placed in sorted(ctx.placed, key=lambda item: (item.agent.id, item.day, item.start)):
        for following in ctx.shifts_on(placed.agent.id, placed.day + 1):
            if (placed.shift.id, following.shift.id) in forbidden:
                yield (
                    placed.agent.id,
                    placed.date,
                    f"{placed.shift.id} followed by {following.shift.id} the next day",
                )


def breaks(ctx: _Context) -> Iterator[_Finding]:
    rules = ctx.problem.rules.breaks
    due = {"meal": rules.meal_minutes, "rest": rules.rest_minutes}
    for placed in ctx.placed:
        agent, day = placed.agent.id, placed.date
        if not ctx.problem.breaks_due(placed.shift):
            if placed.breaks:
                yield (
                    agent,
                    day,
                    (
                        f"{placed.shift.id} ({placed.shift.duration_minutes} min) is too short for "
                        f"breaks but carries {len(placed.breaks)}"
                    ),
                )
            continue
        for kind in due:
            count = sum(1 for item in placed.breaks if item[0] == kind)
            if count != 1:
                yield agent, day, f"{count} {kind} breaks in {placed.shift.id}; exactly 1 is due"
        for kind, begin, finish in placed.breaks:
            where = f"{kind} at {ctx.local(begin)}"
            if finish - begin != due[kind]:
                yield agent, day, f"{where} lasts {finish - begin} minutes, not {due[kind]}"
            if begin < placed.start or finish > placed.end:
                yield agent, day, f"{where} is not inside the shift"
            elif begin - placed.start < rules.min_work_before_first_break_minutes:
                yield (
                    agent,
                    day,
                    (
                        f"{where} starts {begin - placed.start} minutes into the shift, before "
                        f"{rules.min_work_before_first_break_minutes}"
                    ),
                )
        ordered = sorted(placed.breaks, key=lambda item: item[1])
        for first, second in zip(ordered, ordered[1:], strict=False):
            if second[1] < first[2]:
                yield agent, day, f"{first[0]} and {second[0]} breaks overlap"
        for begin, finish in placed.on_phones():
            if finish - begin > rules.max_continuous_work_minutes:
                yield (
                    agent,
                    day,
                    (
                        f"{finish - begin} minutes of continuous work {ctx.local(begin)}.."
                        f"{ctx.local(finish)} > {rules.max_continuous_work_minutes}"
                    ),
                )


def max_concurrent_annual_leave(ctx: _Context) -> Iterator[_Finding]:
    for conflict in annual_leave_conflicts(ctx.problem):
        yield None, conflict.date, conflict.detail


# --------------------------------------------------------------------------- soft rules

# A soft rule yields (subject, amount); the registry adds its name.
_Term = tuple[str, int]


def _ceil_div(numerator: int, denominator: int) -> int:
    return -(-numerator // denominator)


def under_coverage(ctx: _Context) -> Iterator[_Term]:
    length = ctx.problem.interval_minutes
    for demand, line in ctx.demand_lines:
        short = max(0, demand.agents * length - line.on_phone_minutes)
        yield format_datetime(line.start), _ceil_div(demand.weight_under * short, length)


def over_coverage(ctx: _Context) -> Iterator[_Term]:
    length = ctx.problem.interval_minutes
    for demand, line in ctx.demand_lines:
        surplus = max(0, line.on_phone_minutes - demand.agents * length)
        yield format_datetime(line.start), _ceil_div(demand.weight_over * surplus, length)


def _cover_counts(ctx: _Context) -> Iterator[tuple[Cover, int]]:
    counts = Counter((placed.day, placed.shift.id) for placed in ctx.placed)
    for cover in ctx.problem.cover:
        yield cover, counts[ctx.problem.day_index(cover.date), cover.shift]


def cover_under(ctx: _Context) -> Iterator[_Term]:
    for cover, count in _cover_counts(ctx):
        yield f"{cover.date}/{cover.shift}", cover.weight_under * max(0, cover.required - count)


def cover_over(ctx: _Context) -> Iterator[_Term]:
    for cover, count in _cover_counts(ctx):
        yield f"{cover.date}/{cover.shift}", cover.weight_over * max(0, count - cover.required)


def unmet_request(ctx: _Context) -> Iterator[_Term]:
    scale = ctx.problem.weights.request
    for agent in ctx.problem.agents:
        for request in agent.requests:
            day = ctx.problem.day_index(request.date)
            shifts = {placed.shift.id for placed in ctx.shifts_on(agent.id, day)}
            granted = request.shift in shifts if request.shift is not None else bool(shifts)
            if granted != request.on:
                subject = f"{agent.id}/{request.date}/{request.shift or 'any'}"
                yield subject, scale * request.weight


def _spread(counts: Sequence[int]) -> int:
    return max(counts) - min(counts) if counts else 0


def _teams(problem: RosterProblem) -> dict[str, list[Agent]]:
    teams: dict[str, list[Agent]] = defaultdict(list)
    for agent in problem.agents:
        teams[agent.team].append(agent)
    return dict(sorted(teams.items()))


def fairness_nights(ctx: _Context) -> Iterator[_Term]:
    scale = ctx.problem.weights.fairness
    for team, agents in _teams(ctx.problem).items():
        nights = [
            sum(1 for placed in ctx.by_agent[agent.id] if placed.shift.night)
            for agent in agents
            if agent.night_eligible
        ]
        yield team, scale * _spread(nights)


def fairness_weekends(ctx: _Context) -> Iterator[_Term]:
    scale = ctx.problem.weights.fairness
    for team, agents in _teams(ctx.problem).items():
        weekend_days = [
            sum(1 for day in {p.date for p in ctx.by_agent[agent.id]} if weekend_of(day))
            for agent in agents
        ]
        yield team, scale * _spread(weekend_days)


def change_from(ctx: _Context) -> Iterator[_Term]:
    previous_roster = ctx.problem.previous_roster
    if previous_roster is None:
        return
    before: defaultdict[tuple[str, dt.date], set[str]] = defaultdict(set)
    for assignment in previous_roster.assignments:
        before[assignment.agent, assignment.date].add(assignment.shift)
    for agent in ctx.problem.agents:
        for day, date in enumerate(ctx.problem.dates):
            now = {placed.shift.id for placed in ctx.shifts_on(agent.id, day)}
            if now != before.get((agent.id, date), set()):
                yield f"{agent.id}/{date}", ctx.problem.weights.change_from


# --------------------------------------------------------------------------- registry


@dataclass(frozen=True)
class HardRule:
    check: Callable[[_Context], Iterator[_Finding]]
    article: int | None = None

    @property
    def name(self) -> str:
        return self.check.__name__


@dataclass(frozen=True)
class SoftRule:
    terms: Callable[[_Context], Iterator[_Term]]
    article: int | None = None

    @property
    def name(self) -> str:
        return self.terms.__name__


HARD_RULES: tuple[HardRule, ...] = (
    HardRule(assignment_references),
    HardRule(one_shift_per_day),
    HardRule(shift_times),
    HardRule(contract_hours, article=31),
    HardRule(min_work_minutes, article=31),
    HardRule(max_work_minutes, article=31),
    HardRule(max_shifts),
    HardRule(max_consecutive_work_days),
    HardRule(min_consecutive_work_days),
    HardRule(min_consecutive_days_off),
    HardRule(max_weekends),
    HardRule(days_off),
    HardRule(leave),
    HardRule(fixed),
    HardRule(night_eligible),
    HardRule(min_rest_between_shifts),
    HardRule(forbidden_successions),
    HardRule(breaks, article=32),
    HardRule(max_concurrent_annual_leave, article=40),
)

SOFT_RULES: tuple[SoftRule, ...] = (
    SoftRule(under_coverage, article=30),
    SoftRule(over_coverage, article=30),
    SoftRule(cover_under),
    SoftRule(cover_over),
    SoftRule(unmet_request),
    SoftRule(fairness_nights),
    SoftRule(fairness_weekends),
    SoftRule(change_from),
)


# --------------------------------------------------------------------------- entry point


def check_roster(problem: RosterProblem, roster: Roster) -> CheckReport:
    """Re-check ``roster`` against ``problem``: hard violations, penalties, consistency."""
    ctx = _Context(problem, roster)
    violations = tuple(
        Violation(rule.name, rule.article, agent, date, message)
        for rule in HARD_RULES
        for agent, date, message in rule.check(ctx)
    )
    penalties = tuple(
        PenaltyTerm(rule.name, subject, amount)
        for rule in SOFT_RULES
        for subject, amount in rule.terms(ctx)
        if amount
    )
    notes = []
    if roster.problem != problem.name:
        notes.append(f"the roster is for problem {roster.problem!r}, not {problem.name!r}")
    return CheckReport(
        problem=problem.name,
        violations=violations,
        penalties=penalties,
        coverage=ctx.demand_coverage,
        roster_objective=roster.objective,
        penalty_mismatches=tuple(_penalty_mismatches(roster, penalties)),
        coverage_mismatches=tuple(_coverage_mismatches(ctx)),
        notes=tuple(notes),
    )


def _penalty_mismatches(roster: Roster, penalties: Sequence[PenaltyTerm]) -> Iterator[str]:
    expected = Counter((t.rule, t.subject, Fraction(t.amount)) for t in penalties)
    given = Counter(
        (line.rule, line.subject, Fraction(line.amount)) for line in roster.penalties if line.amount
    )
    for (rule, subject, amount), count in sorted((expected - given).items()):
        yield f"missing: {rule} {subject} = {_minutes(amount)}" + (
            f" (x{count})" if count > 1 else ""
        )
    for (rule, subject, amount), count in sorted((given - expected).items()):
        yield f"unexpected: {rule} {subject} = {_minutes(amount)}" + (
            f" (x{count})" if count > 1 else ""
        )


def _coverage_mismatches(ctx: _Context) -> Iterator[str]:
    problem = ctx.problem
    length = problem.interval_minutes
    wanted = {line.start: line for line in ctx.demand_coverage}
    aligned = [line for line in ctx.roster.coverage if problem.minute_of(line.start) % length == 0]
    extra = ctx.on_phone_minutes(
        problem.minute_of(line.start)
        for line in aligned
        if problem.localize(line.start).replace(tzinfo=None) not in wanted
    )
    seen: set[dt.datetime] = set()
    for line in ctx.roster.coverage:
        start = problem.localize(line.start).replace(tzinfo=None)
        label = f"coverage {format_datetime(start)}"
        minute = problem.minute_of(line.start)
        if minute % length:
            yield f"{label}: not aligned to interval_minutes ({length})"
            continue
        if start in seen:
            yield f"{label}: second line for this interval"
            continue
        seen.add(start)
        truth = wanted.get(start) or ctx.coverage_at(minute, 0, extra[minute])
        if line.required != truth.required:
            yield f"{label}: required {line.required}, demand is {truth.required}"
        if abs(Fraction(line.on_phones) - truth.on_phones) > Fraction(1, 10**6):
            yield (
                f"{label}: on_phones {line.on_phones}, recomputed "
                f"{_minutes(truth.on_phones)} ({truth.on_phone_minutes} agent-minutes)"
            )
    for start in sorted(set(wanted) - seen):
        yield f"coverage {format_datetime(start)}: no line in the roster"
