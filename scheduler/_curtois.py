"""Curtois & Qu (2014) shift-scheduling benchmark: instance file -> roster problem -> solution file.

The 24 public instances (schedulingbenchmarks.org, "Nurse Rostering Instances 1..24") are
converted into the engine's own :class:`~scheduler._problem.RosterProblem`, so they are solved
by the same rules and solver that serve call centres, and checked by the same checker.

Mapping (each Curtois rule, then what it becomes in the contract):

* horizon of ``N`` days, day 0 a Monday -> ``start_date`` :data:`CURTOIS_START` (a Monday),
  ``days = N``, time zone UTC (no daylight-saving day can change a duration).
* shift ``ID, minutes, cannot-follow`` -> a shift type starting at 00:00 lasting ``minutes``
  (Curtois shifts have no clock time; every length is under a day, so two shifts of one agent
  never overlap and ``min_rest_minutes`` stays 0); "Y cannot follow X" -> the forbidden
  succession ``(X, Y)`` on consecutive days. Breaks: ``work_threshold_minutes`` is a whole day,
  so no shift carries breaks and work minutes = shift length.
* staff ``MaxShifts`` -> ``max_shifts``; ``Max/MinTotalMinutes`` -> ``max/min_work_minutes``;
  ``Max/MinConsecutiveShifts`` -> ``max/min_consecutive_work_days``; ``MinConsecutiveDaysOff``
  -> ``min_consecutive_days_off``; ``MaxWeekends`` -> ``max_weekends``. No weekly contract
  hours, nobody night-eligible (no shift is a night shift), one team.
* ``SECTION_DAYS_OFF`` -> ``days_off``; shift on/off requests -> requests ``on: true/false``
  with their weight (``weights.request`` 1); ``SECTION_COVER`` -> ``cover`` with the same
  weights; ``weights.fairness`` 0, no ``previous_roster``, no demand.

The objective is then the Curtois objective exactly: the weighted unmet requests plus the
weighted cover shortages and surpluses. Horizon edges agree as well: Curtois assumes a day off
before and after the horizon for maximum consecutive shifts and shift rotation (runs and
successions are counted inside the horizon, as ours are), and an "infinite" run of shifts, or
of days off, before and after it for the two minimum rules (a run touching the first or last
day is never too short, as in the contract). :func:`curtois_evaluate` re-derives every Curtois
rule from the instance alone, in Curtois' own terms, so tests can hold the mapping to it.

Solution file (``--solution-out``): CSV without header, one line per employee in instance
order, the employee ID then one field per day with the shift ID or nothing.

Format errors raise :class:`CurtoisFormatError` (an :class:`~scheduler._errors.InputError`)
listing every problem found, each named by section and line: ``SECTION_STAFF line 14: ...``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from scheduler._errors import FieldError, InputError, ProblemError
from scheduler._problem import Assignment, Roster, RosterProblem, write_atomically

CURTOIS_START = dt.date(2024, 1, 1)  # a Monday: Curtois day 0 is always a Monday
CURTOIS_TIMEZONE = "UTC"
SECTIONS = (
    "SECTION_HORIZON",
    "SECTION_SHIFTS",
    "SECTION_STAFF",
    "SECTION_DAYS_OFF",
    "SECTION_SHIFT_ON_REQUESTS",
    "SECTION_SHIFT_OFF_REQUESTS",
    "SECTION_COVER",
)
REQUIRED_SECTIONS = ("SECTION_HORIZON", "SECTION_SHIFTS", "SECTION_STAFF")
_STAFF_FIELDS = (
    "MaxShifts",
    "MaxTotalMinutes",
    "MinTotalMinutes",
    "MaxConsecutiveShifts",
    "MinConsecutiveShifts",
    "MinConsecutiveDaysOff",
    "MaxWeekends",
)


class CurtoisFormatError(InputError):
    """A Curtois instance or solution file is malformed; paths are ``SECTION_X line N``."""

    kind = "curtois"


# --------------------------------------------------------------------------- the instance


@dataclass(frozen=True)
class CurtoisShift:
    id: str
    minutes: int
    cannot_follow: tuple[str, ...]  # shift types that may not be worked the day after this one


@dataclass(frozen=True)
class CurtoisStaff:
    id: str
    max_shifts: Mapping[str, int]
    max_total_minutes: int
    min_total_minutes: int
    max_consecutive_shifts: int
    min_consecutive_shifts: int
    min_consecutive_days_off: int
    max_weekends: int


@dataclass(frozen=True)
class CurtoisRequest:
    employee: str
    day: int
    shift: str
    weight: int


@dataclass(frozen=True)
class CurtoisCover:
    day: int
    shift: str
    requirement: int
    weight_under: int
    weight_over: int


@dataclass(frozen=True)
class CurtoisInstance:
    """One instance file, as written (day indexes from 0, day 0 a Monday)."""

    name: str
    days: int
    shifts: tuple[CurtoisShift, ...]
    staff: tuple[CurtoisStaff, ...]
    days_off: Mapping[str, tuple[int, ...]] = field(default_factory=dict)
    on_requests: tuple[CurtoisRequest, ...] = ()
    off_requests: tuple[CurtoisRequest, ...] = ()
    cover: tuple[CurtoisCover, ...] = ()

    @property
    def shift_ids(self) -> tuple[str, ...]:
        return tuple(shift.id for shift in self.shifts)

    @property
    def staff_ids(self) -> tuple[str, ...]:
        return tuple(person.id for person in self.staff)


# A roster in Curtois terms: employee id -> one shift id (or None: off) per day.
Grid = Mapping[str, Sequence[str | None]]


# --------------------------------------------------------------------------- parsing


@dataclass
class _Line:
    section: str
    number: int
    fields: list[str]

    @property
    def where(self) -> str:
        return f"{self.section} line {self.number}"


class _Errors:
    def __init__(self) -> None:
        self.items: list[FieldError] = []

    def add(self, where: str, message: str) -> None:
        self.items.append(FieldError(where, message))

    def integer(self, line: _Line, text: str, what: str, low: int = 0) -> int | None:
        try:
            value = int(text.strip())
        except ValueError:
            self.add(line.where, f"{what} must be an integer (got {text.strip()!r})")
            return None
        if value < low:
            self.add(line.where, f"{what} must be >= {low} (got {value})")
            return None
        return value


def load_curtois(path: str | os.PathLike[str]) -> CurtoisInstance:
    """Read an instance file; the instance is named after the file (``Instance1``)."""
    source = os.fspath(path)
    try:
        text = Path(source).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CurtoisFormatError([("$", f"cannot read the file: {exc}")], source) from exc
    return parse_curtois(text, name=Path(source).stem, source=source)


def parse_curtois(
    text: str, *, name: str = "curtois", source: str | None = None
) -> CurtoisInstance:
    """Parse instance text; raises CurtoisFormatError listing every error found."""
    errors = _Errors()
    sections: dict[str, list[_Line]] = {}
    header_line: dict[str, int] = {}
    current: str | None = None
    skipping = False  # inside a section already reported as unknown or repeated
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.startswith("SECTION_"):
            current, skipping = None, True
            if stripped not in SECTIONS:
                errors.add(f"line {number}", f"unknown section {stripped!r}")
            elif stripped in sections:
                errors.add(f"line {number}", f"second {stripped} (first at line "
                                             f"{header_line[stripped]})")
            else:
                current, skipping = stripped, False
                sections[current] = []
                header_line[current] = number
            continue
        if current is None:
            if not skipping:
                errors.add(f"line {number}", "data before the first section")
                skipping = True
            continue
        sections[current].append(_Line(current, number, [part.strip() for part in raw.split(",")]))
    for section in REQUIRED_SECTIONS:
        if section not in sections:
            errors.add(section, "section is missing")
    if errors.items:
        raise CurtoisFormatError(errors.items, source)

    days = _horizon(sections["SECTION_HORIZON"], errors)
    shifts = _shifts(sections["SECTION_SHIFTS"], errors)
    # every declared ID, even one whose line has another error, so references are not blamed
    shift_ids = {line.fields[0] for line in sections["SECTION_SHIFTS"] if line.fields[0]}
    staff = _staff(sections["SECTION_STAFF"], shift_ids, errors)
    staff_ids = {line.fields[0] for line in sections["SECTION_STAFF"] if line.fields[0]}
    if days is None:  # nothing below can be checked against the horizon
        raise CurtoisFormatError(errors.items, source)
    days_off = _days_off(sections.get("SECTION_DAYS_OFF", []), staff_ids, days, errors)
    on = _requests(sections.get("SECTION_SHIFT_ON_REQUESTS", []), staff_ids, shift_ids, days,
                   errors)
    off = _requests(sections.get("SECTION_SHIFT_OFF_REQUESTS", []), staff_ids, shift_ids, days,
                    errors)
    cover = _cover(sections.get("SECTION_COVER", []), shift_ids, days, errors)
    if errors.items:
        raise CurtoisFormatError(errors.items, source)
    return CurtoisInstance(name, days, shifts, staff, days_off, on, off, cover)


def _fields(line: _Line, count: int, what: str, errors: _Errors) -> bool:
    if len(line.fields) != count:
        errors.add(line.where, f"expected {count} comma-separated fields ({what}), "
                               f"got {len(line.fields)}")
        return False
    return True


def _horizon(lines: list[_Line], errors: _Errors) -> int | None:
    if len(lines) != 1 or len(lines[0].fields) != 1:
        where = lines[0].where if lines else "SECTION_HORIZON"
        errors.add(where, "expected one line holding the number of days")
        return None
    return errors.integer(lines[0], lines[0].fields[0], "the number of days", low=1)


def _shifts(lines: list[_Line], errors: _Errors) -> tuple[CurtoisShift, ...]:
    shifts: list[CurtoisShift] = []
    first_at: dict[str, _Line] = {}
    for line in lines:
        if not _fields(line, 3, "ShiftID, LengthMinutes, ShiftsThatCannotFollow", errors):
            continue
        shift_id, length, following = line.fields
        minutes = errors.integer(line, length, f"the length of shift {shift_id!r}", low=1)
        if not shift_id:
            errors.add(line.where, "empty shift ID")
            continue
        if shift_id in first_at:
            errors.add(line.where, f"duplicate shift ID {shift_id!r} "
                                   f"(first at line {first_at[shift_id].number})")
            continue
        if minutes is not None and minutes >= 24 * 60:
            errors.add(line.where, f"shift {shift_id!r} lasts {minutes} minutes; "
                                   "at most 1439 are supported")
            continue
        first_at[shift_id] = line
        if minutes is not None:
            names = tuple(part.strip() for part in following.split("|") if part.strip())
            shifts.append(CurtoisShift(shift_id, minutes, names))
    known = {shift.id for shift in shifts}
    for shift in shifts:
        for other in shift.cannot_follow:
            if other not in known:
                errors.add(first_at[shift.id].where,
                           f"shift {shift.id!r}: unknown shift {other!r} in ShiftsThatCannotFollow")
    if not lines:
        errors.add("SECTION_SHIFTS", "no shift types")
    return tuple(shifts)


def _staff(lines: list[_Line], shift_ids: set[str], errors: _Errors) -> tuple[CurtoisStaff, ...]:
    staff: list[CurtoisStaff] = []
    first_at: dict[str, int] = {}
    for line in lines:
        if not _fields(line, 8, "ID, " + ", ".join(_STAFF_FIELDS), errors):
            continue
        person_id, limits, *numbers = line.fields
        if not person_id:
            errors.add(line.where, "empty employee ID")
            continue
        if person_id in first_at:
            errors.add(line.where, f"duplicate employee ID {person_id!r} "
                                   f"(first at line {first_at[person_id]})")
            continue
        first_at[person_id] = line.number
        max_shifts: dict[str, int] = {}
        for item in (part.strip() for part in limits.split("|") if part.strip()):
            shift_id, equals, value = item.partition("=")
            shift_id = shift_id.strip()
            if not equals:
                errors.add(line.where, f"MaxShifts item {item!r} is not ShiftID=max")
            elif shift_id not in shift_ids:
                errors.add(line.where, f"MaxShifts names unknown shift {shift_id!r}")
            elif (limit := errors.integer(line, value, f"MaxShifts of {shift_id}")) is not None:
                max_shifts[shift_id] = limit
        values = [errors.integer(line, text, what)
                  for text, what in zip(numbers, _STAFF_FIELDS[1:], strict=True)]
        if any(value is None for value in values):
            continue
        most, least, max_run, min_run, min_off, weekends = (int(v or 0) for v in values)
        if least > most:
            errors.add(line.where, f"MinTotalMinutes {least} > MaxTotalMinutes {most}")
        elif max_run < 1:
            errors.add(line.where, "MaxConsecutiveShifts must be >= 1 (got 0)")
        elif min_run > max_run:
            errors.add(line.where, f"MinConsecutiveShifts {min_run} > MaxConsecutiveShifts "
                                   f"{max_run}")
        else:
            staff.append(CurtoisStaff(person_id, max_shifts, most, least, max_run, min_run,
                                      min_off, weekends))
    if not lines:
        errors.add("SECTION_STAFF", "no employees")
    return tuple(staff)


def _day(line: _Line, text: str, days: int, errors: _Errors) -> int | None:
    day = errors.integer(line, text, "the day index")
    if day is not None and day >= days:
        errors.add(line.where, f"day {day} is outside the horizon 0..{days - 1}")
        return None
    return day


def _days_off(
    lines: list[_Line], staff_ids: set[str], days: int, errors: _Errors
) -> dict[str, tuple[int, ...]]:
    found: dict[str, tuple[int, ...]] = {}
    for line in lines:
        person_id, *indexes = line.fields
        if person_id not in staff_ids:
            errors.add(line.where, f"unknown employee {person_id!r}")
            continue
        parsed = [_day(line, text, days, errors) for text in indexes if text]
        found[person_id] = tuple(sorted(set(found.get(person_id, ())) |
                                        {d for d in parsed if d is not None}))
    return found


def _requests(
    lines: list[_Line], staff_ids: set[str], shift_ids: set[str], days: int, errors: _Errors
) -> tuple[CurtoisRequest, ...]:
    requests: list[CurtoisRequest] = []
    for line in lines:
        if not _fields(line, 4, "EmployeeID, Day, ShiftID, Weight", errors):
            continue
        person_id, day_text, shift_id, weight_text = line.fields
        day = _day(line, day_text, days, errors)
        weight = errors.integer(line, weight_text, "the weight")
        if person_id not in staff_ids:
            errors.add(line.where, f"unknown employee {person_id!r}")
        elif shift_id not in shift_ids:
            errors.add(line.where, f"unknown shift {shift_id!r}")
        elif day is not None and weight is not None:
            requests.append(CurtoisRequest(person_id, day, shift_id, weight))
    return tuple(requests)


def _cover(
    lines: list[_Line], shift_ids: set[str], days: int, errors: _Errors
) -> tuple[CurtoisCover, ...]:
    cover: list[CurtoisCover] = []
    seen: dict[tuple[int, str], int] = {}
    for line in lines:
        if not _fields(line, 5, "Day, ShiftID, Requirement, WeightUnder, WeightOver", errors):
            continue
        day_text, shift_id, *numbers = line.fields
        day = _day(line, day_text, days, errors)
        values = [errors.integer(line, text, what) for text, what in
                  zip(numbers, ("the requirement", "the weight for under", "the weight for over"),
                      strict=True)]
        if shift_id not in shift_ids:
            errors.add(line.where, f"unknown shift {shift_id!r}")
        elif day is not None and (day, shift_id) in seen:
            errors.add(line.where, f"second cover for day {day} shift {shift_id} "
                                   f"(first at line {seen[day, shift_id]})")
        elif day is not None and all(value is not None for value in values):
            seen[day, shift_id] = line.number
            required, under, over = (int(v or 0) for v in values)
            cover.append(CurtoisCover(day, shift_id, required, under, over))
    return tuple(cover)


# --------------------------------------------------------------------------- to the contract


def curtois_problem(instance: CurtoisInstance) -> RosterProblem:
    """The instance as the engine's roster problem (see the module docstring for the mapping)."""
    start = CURTOIS_START

    def date(day: int) -> str:
        return (start + dt.timedelta(days=day)).isoformat()

    requests: dict[str, list[dict[str, Any]]] = {person.id: [] for person in instance.staff}
    for wanted, entries in ((True, instance.on_requests), (False, instance.off_requests)):
        for entry in entries:
            requests[entry.employee].append(
                {"date": date(entry.day), "shift": entry.shift, "on": wanted,
                 "weight": entry.weight}
            )
    data: dict[str, Any] = {
        "name": instance.name,
        "start_date": start.isoformat(),
        "days": instance.days,
        "timezone": CURTOIS_TIMEZONE,
        "shift_types": [
            {"id": shift.id, "start": "00:00", "duration_minutes": shift.minutes, "night": False}
            for shift in instance.shifts
        ],
        "agents": [
            {
                "id": person.id,
                "team": "all",
                "night_eligible": False,
                "contract": {
                    "max_shifts": dict(person.max_shifts),
                    "min_work_minutes": person.min_total_minutes,
                    "max_work_minutes": person.max_total_minutes,
                    "max_consecutive_work_days": person.max_consecutive_shifts,
                    "min_consecutive_work_days": person.min_consecutive_shifts,
                    "min_consecutive_days_off": person.min_consecutive_days_off,
                    "max_weekends": person.max_weekends,
                },
                "days_off": [date(day) for day in instance.days_off.get(person.id, ())],
                "requests": requests[person.id],
            }
            for person in instance.staff
        ],
        "cover": [
            {"date": date(item.day), "shift": item.shift, "required": item.requirement,
             "weight_under": item.weight_under, "weight_over": item.weight_over}
            for item in instance.cover
        ],
        "rules": {
            "min_rest_minutes": 0,
            "forbidden_successions": [
                [shift.id, following]
                for shift in instance.shifts
                for following in shift.cannot_follow
            ],
            # no Curtois shift carries breaks: the threshold is a whole day
            "breaks": {"work_threshold_minutes": 24 * 60},
        },
        "weights": {"request": 1, "fairness": 0, "change_from": 0},
    }
    try:
        return RosterProblem.model_validate(data)
    except ProblemError as exc:  # the parser should have caught it; name it anyway
        raise CurtoisFormatError(exc.errors, instance.name) from exc


def curtois_grid(problem: RosterProblem, roster: Roster) -> dict[str, list[str | None]]:
    """A roster as employee -> shift id or None per day (every employee of the problem)."""
    grid: dict[str, list[str | None]] = {
        agent.id: [None] * problem.days for agent in problem.agents
    }
    for item in roster.assignments:
        grid[item.agent][problem.day_index(item.date)] = item.shift
    return grid


def curtois_assignments(problem: RosterProblem, grid: Grid) -> tuple[Assignment, ...]:
    """The grid as the contract's assignments (no breaks: Curtois shifts carry none)."""
    assignments = []
    for agent in problem.agents:
        for day, shift in enumerate(grid.get(agent.id, ())):
            if shift is None:
                continue
            date = problem.dates[day]
            start, end = problem.shift_window(shift, date)
            assignments.append(Assignment(agent=agent.id, date=date, shift=shift,
                                          start=start.replace(tzinfo=None),
                                          end=end.replace(tzinfo=None)))
    return tuple(assignments)


# --------------------------------------------------------------------------- solution files


def curtois_solution_csv(instance: CurtoisInstance, grid: Grid) -> str:
    """The solution file: one line per employee in instance order, ID then one field per day."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for person in instance.staff:
        days = list(grid.get(person.id, ())) or [None] * instance.days
        writer.writerow([person.id, *(shift or "" for shift in days)])
    return out.getvalue()


def save_curtois_solution(path: str | os.PathLike[str], instance: CurtoisInstance,
                          grid: Grid) -> None:
    """Write the solution file atomically (never a partial file)."""
    write_atomically(Path(path), curtois_solution_csv(instance, grid))


def parse_curtois_solution(
    instance: CurtoisInstance, text: str, *, source: str | None = None
) -> dict[str, list[str | None]]:
    """Read a solution file back into a grid; every employee once, known shifts, one per day."""
    errors: list[FieldError] = []
    grid: dict[str, list[str | None]] = {}
    known_staff, known_shifts = set(instance.staff_ids), set(instance.shift_ids)
    for number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        if not row or row == [""]:
            continue
        where = f"line {number}"
        person_id, *days = (cell.strip() for cell in row)
        if person_id not in known_staff:
            errors.append(FieldError(where, f"unknown employee {person_id!r}"))
        elif person_id in grid:
            errors.append(FieldError(where, f"second line for employee {person_id!r}"))
        elif len(days) != instance.days:
            errors.append(FieldError(where, f"{len(days)} day fields, the horizon has "
                                            f"{instance.days}"))
        elif unknown := sorted({shift for shift in days if shift and shift not in known_shifts}):
            errors.append(FieldError(where, f"unknown shift(s) {', '.join(unknown)}"))
        else:
            grid[person_id] = [shift or None for shift in days]
    missing = [person for person in instance.staff_ids if person not in grid]
    if missing and not errors:
        errors.append(FieldError("$", f"no line for employee(s) {', '.join(missing[:10])}"))
    if errors:
        raise CurtoisFormatError(errors, source)
    return grid


# --------------------------------------------------------------------------- Curtois' own rules


class CurtoisViolation(NamedTuple):
    """A broken Curtois hard rule, named as the benchmark names it (``MaxWeekends``, ...)."""

    rule: str
    employee: str
    message: str

    def __str__(self) -> str:
        return f"{self.rule} {self.employee}: {self.message}"


@dataclass(frozen=True)
class CurtoisScore:
    """A grid judged by the Curtois rules themselves: hard violations and the objective."""

    objective: int
    violations: tuple[CurtoisViolation, ...]

    @property
    def feasible(self) -> bool:
        return not self.violations


def _runs(worked: Sequence[bool]) -> Iterator[tuple[bool, int, int]]:
    first = 0
    for index in range(1, len(worked) + 1):
        if index == len(worked) or worked[index] != worked[first]:
            yield worked[first], first, index - first
            first = index


def curtois_evaluate(instance: CurtoisInstance, grid: Grid) -> CurtoisScore:
    """Score ``grid`` by the benchmark's definitions alone (no engine code involved).

    Edges as schedulingbenchmarks.org states them: a day off assumed before and after the
    horizon for maximum consecutive shifts and shift rotation; an unbounded run of shifts (for
    minimum consecutive shifts) and of days off (for minimum consecutive days off) assumed
    before and after it. A weekend (days 5 and 6 of each week) is worked if either day is.
    One violation per shift type over its maximum, per total-minutes bound, per banned
    succession, per run, per weekend limit and per day off worked.
    """
    violations: list[CurtoisViolation] = []
    length = {shift.id: shift.minutes for shift in instance.shifts}
    banned = {(shift.id, other) for shift in instance.shifts for other in shift.cannot_follow}
    for person in instance.staff:
        row = list(grid.get(person.id, [None] * instance.days))

        def broken(rule: str, message: str, who: str = person.id) -> None:
            violations.append(CurtoisViolation(rule, who, message))

        for shift, count in sorted(Counter(shift for shift in row if shift).items()):
            limit = person.max_shifts.get(shift)
            if limit is not None and count > limit:
                broken("MaxShifts", f"{count} {shift} shifts > {limit}")
        minutes = sum(length[shift] for shift in row if shift)
        if minutes > person.max_total_minutes:
            broken("MaxTotalMinutes", f"{minutes} minutes > {person.max_total_minutes}")
        if minutes < person.min_total_minutes:
            broken("MinTotalMinutes", f"{minutes} minutes < {person.min_total_minutes}")
        for day in range(instance.days - 1):
            if (row[day], row[day + 1]) in banned:
                broken("ShiftRotation", f"{row[day + 1]} on day {day + 1} after {row[day]}")
        for working, first, run in _runs([shift is not None for shift in row]):
            inside = first > 0 and first + run < instance.days
            if working and run > person.max_consecutive_shifts:
                broken("MaxConsecutiveShifts", f"{run} shifts in a row from day {first}")
            if working and inside and run < person.min_consecutive_shifts:
                broken("MinConsecutiveShifts", f"{run} shift(s) in a row from day {first}")
            if not working and inside and run < person.min_consecutive_days_off:
                broken("MinConsecutiveDaysOff", f"{run} day(s) off in a row from day {first}")
        weekends = sum(1 for saturday in range(5, instance.days, 7)
                       if row[saturday] is not None
                       or (saturday + 1 < instance.days and row[saturday + 1] is not None))
        if weekends > person.max_weekends:
            broken("MaxWeekends", f"{weekends} weekends > {person.max_weekends}")
        for day in instance.days_off.get(person.id, ()):
            if row[day] is not None:
                broken("DaysOff", f"{row[day]} on day off {day}")
    objective = 0
    for entry in instance.on_requests:
        if grid.get(entry.employee, [None] * instance.days)[entry.day] != entry.shift:
            objective += entry.weight
    for entry in instance.off_requests:
        if grid.get(entry.employee, [None] * instance.days)[entry.day] == entry.shift:
            objective += entry.weight
    on_shift = Counter((day, shift) for row in grid.values() for day, shift in enumerate(row)
                       if shift)
    for item in instance.cover:
        count = on_shift[item.day, item.shift]
        objective += item.weight_under * max(0, item.requirement - count)
        objective += item.weight_over * max(0, count - item.requirement)
    return CurtoisScore(objective, tuple(violations))
