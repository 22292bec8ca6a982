"""The roster problem (PROBLEM.json) and the roster (ROSTER.json): typed, immutable, load and save.

The models follow ``interfaces.md`` field for field (pydantic, ``frozen=True``,
``extra="forbid"``); sequences are tuples so a loaded problem cannot change under the solver.

Validation collects every error, each named by its JSON path (``agents[3].contract.weekly_minutes:
must be >= 0 (got -5)``), and raises one :class:`~scheduler._errors.ProblemError` (or
:class:`~scheduler._errors.RosterError`) carrying the list. It runs in two phases: the shape of
the document (types, ranges, unknown fields), then, when the shape is sound, its consistency
(unique ids, references to shift types, dates inside the horizon, demand intervals aligned to
``interval_minutes``, ...). A problem whose leave already breaks art. 40 is a separate check,
:func:`annual_leave_conflicts`, because the command line refuses it with its own message.

Defaults where the contract leaves a field out:

* ``timezone`` Asia/Shanghai, ``interval_minutes`` 30, ``night`` false, ``night_eligible`` false;
* contract fields: no limit; ``tolerance_minutes`` 0; ``averaging_weeks`` omitted = the whole
  horizon is one block (target ``weekly_minutes * days / 7``);
* ``rules.min_rest_minutes`` 0 (no limit beyond "shifts do not overlap"), breaks 360/30/30/240/60,
  ``max_concurrent_annual_leave`` 1;
* every weight 1. Weights are non-negative integers, so that every penalty is an integer and
  the solver's objective is exact.

Required: ``name``, ``start_date``, ``days``, ``shift_types`` (at least one), ``agents`` and each
agent's ``id`` and ``team``. Repeated ids, a second leave or fixed entry for one agent and day,
a second demand for one interval and a second cover entry for one day and shift type are
errors. ``model_copy(update=...)`` does not validate (as in pydantic); build changed problems
with ``model_validate``.

Naive datetimes are wall-clock times in the problem's ``timezone``; durations are real minutes,
so every minute arithmetic here goes through UTC (:meth:`RosterProblem.minute_of`).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import re
import tempfile
from collections import Counter, defaultdict
from collections.abc import Generator, Iterator, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal, Self, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    ValidationError,
    model_validator,
)

from scheduler._errors import FieldError, InputError, ProblemError, RosterError

DEFAULT_TIMEZONE = "Asia/Shanghai"
LEAVE_KINDS = ("annual", "marriage", "maternity", "bereavement", "sick", "personal")

# --------------------------------------------------------------------------- value types

_HHMM = re.compile(r"([01]\d|2[0-3]):([0-5]\d)")


def _parse_clock(value: object) -> dt.time:
    if isinstance(value, dt.time):
        return value
    if isinstance(value, str) and (match := _HHMM.fullmatch(value)):
        return dt.time(int(match[1]), int(match[2]))
    raise ValueError(f"must be a time HH:MM between 00:00 and 23:59 (got {value!r})")


def _whole_minute(value: dt.datetime) -> dt.datetime:
    if value.second or value.microsecond:
        raise ValueError("must be a whole minute (no seconds)")
    return value


def format_datetime(value: dt.datetime) -> str:
    """ISO 8601 to the minute, as the contract writes it: ``2026-11-30T22:00`` (offset if aware)."""
    return value.isoformat(timespec="minutes")


def _number(value: object) -> int | float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError("must be a finite number")
    return value


ClockTime = Annotated[
    dt.time,
    PlainValidator(_parse_clock),
    PlainSerializer(lambda value: value.strftime("%H:%M"), return_type=str),
]
LocalDateTime = Annotated[
    dt.datetime,
    AfterValidator(_whole_minute),
    PlainSerializer(format_datetime, return_type=str),
]
Number = Annotated[int | float, PlainValidator(_number)]
NonNegativeInt = Annotated[int, Field(ge=0)]
PositiveInt = Annotated[int, Field(ge=1)]
Weight = Annotated[int, Field(ge=0)]
Identifier = Annotated[str, Field(min_length=1)]
LeaveKind = Literal["annual", "marriage", "maternity", "bereavement", "sick", "personal"]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        """As pydantic's (no validation), but without the source's cached derived facts."""
        copied = super().model_copy(update=update, deep=deep)
        for name in set(copied.__dict__) - set(type(self).model_fields):
            del copied.__dict__[name]
        return copied


# --------------------------------------------------------------------------- the problem


class ShiftType(_Model):
    """A shift type: starts at local time ``start`` on its day, lasts ``duration_minutes``."""

    id: Identifier
    start: ClockTime
    duration_minutes: PositiveInt
    night: bool = False


class Contract(_Model):
    """An agent's contract; an omitted (or null) limit means "no limit"."""

    weekly_minutes: NonNegativeInt | None = None
    averaging_weeks: PositiveInt | None = None
    tolerance_minutes: NonNegativeInt = 0
    max_shifts: dict[str, NonNegativeInt] = Field(default_factory=dict)
    min_work_minutes: NonNegativeInt | None = None
    max_work_minutes: NonNegativeInt | None = None
    max_consecutive_work_days: PositiveInt | None = None
    min_consecutive_work_days: NonNegativeInt | None = None
    min_consecutive_days_off: NonNegativeInt | None = None
    max_weekends: NonNegativeInt | None = None


class Leave(_Model):
    date: dt.date
    kind: LeaveKind


class Request(_Model):
    """``on: true`` wants ``shift`` (null: any shift); ``on: false`` does not (null: a day off)."""

    date: dt.date
    shift: str | None = None
    on: bool
    weight: Weight = 1


class Fixed(_Model):
    """The agent works ``shift`` on ``date``; ``shift: null`` means some shift."""

    date: dt.date
    shift: str | None = None


class Agent(_Model):
    id: Identifier
    team: str
    night_eligible: bool = False
    contract: Contract = Field(default_factory=Contract)
    days_off: tuple[dt.date, ...] = ()
    leave: tuple[Leave, ...] = ()
    requests: tuple[Request, ...] = ()
    fixed: tuple[Fixed, ...] = ()

    @cached_property
    def leave_dates(self) -> frozenset[dt.date]:
        return frozenset(entry.date for entry in self.leave)

    @cached_property
    def unavailable_dates(self) -> frozenset[dt.date]:
        """Days off and leave days: no shift on them; they count as days off in runs."""
        return frozenset(self.days_off) | self.leave_dates


class Demand(_Model):
    """Agents wanted on the phones during ``[start, start + interval_minutes)``."""

    start: LocalDateTime
    agents: NonNegativeInt
    weight_under: Weight = 1
    weight_over: Weight = 1


class Cover(_Model):
    """Agents wanted on shift type ``shift`` on ``date``."""

    date: dt.date
    shift: Identifier
    required: NonNegativeInt
    weight_under: Weight = 1
    weight_over: Weight = 1


class Breaks(_Model):
    """Art. 32: a shift longer than threshold + meal + rest carries one meal and one rest."""

    work_threshold_minutes: NonNegativeInt = 360
    meal_minutes: PositiveInt = 30
    rest_minutes: PositiveInt = 30
    max_continuous_work_minutes: PositiveInt = 240
    min_work_before_first_break_minutes: NonNegativeInt = 60


class Rules(_Model):
    min_rest_minutes: NonNegativeInt = 0
    forbidden_successions: tuple[tuple[str, str], ...] = ()
    breaks: Breaks = Field(default_factory=Breaks)
    max_concurrent_annual_leave: NonNegativeInt = 1


class Weights(_Model):
    request: Weight = 1
    fairness: Weight = 1
    change_from: Weight = 1


# --------------------------------------------------------------------------- the roster


class Break(_Model):
    kind: Literal["meal", "rest"]
    start: LocalDateTime
    minutes: PositiveInt


class Assignment(_Model):
    agent: Identifier
    date: dt.date
    shift: Identifier
    start: LocalDateTime
    end: LocalDateTime
    breaks: tuple[Break, ...] = ()


class CoverageLine(_Model):
    start: LocalDateTime
    required: NonNegativeInt
    on_phones: Number


class Penalty(_Model):
    rule: Identifier
    subject: str
    amount: Number


class Roster(_Model):
    """A solved roster; ``objective`` is the sum of ``penalties``."""

    problem: str
    status: Literal["OPTIMAL", "FEASIBLE"]
    objective: Number
    bound: Number | None = None
    seconds: Number | None = None
    assignments: tuple[Assignment, ...] = ()
    coverage: tuple[CoverageLine, ...] = ()
    penalties: tuple[Penalty, ...] = ()


# --------------------------------------------------------------------------- derived facts


@dataclass(frozen=True)
class AveragingBlock:
    """Consecutive horizon days over which art. 31's weekly hours are averaged."""

    first: dt.date
    days: int

    @property
    def dates(self) -> tuple[dt.date, ...]:
        return tuple(self.first + dt.timedelta(days=offset) for offset in range(self.days))

    def target_minutes(self, weekly_minutes: int) -> Fraction:
        """``weekly_minutes * days / 7``: whole weeks exactly, a shorter last block pro rata."""
        return Fraction(weekly_minutes * self.days, 7)


def leave_credit_minutes(weekly_minutes: int) -> Fraction:
    """Minutes a leave day counts towards contract hours: ``weekly_minutes / 5``, exact."""
    return Fraction(weekly_minutes, 5)


def weekend_of(day: dt.date) -> dt.date | None:
    """The Saturday of the weekend ``day`` belongs to, or None on a weekday."""
    if day.weekday() == 5:
        return day
    if day.weekday() == 6:
        return day - dt.timedelta(days=1)
    return None


class RosterProblem(_Model):
    """PROBLEM.json. Constructing one checks its consistency (raises ProblemError)."""

    name: str
    start_date: dt.date
    days: PositiveInt
    timezone: str = DEFAULT_TIMEZONE
    interval_minutes: PositiveInt = 30
    shift_types: Annotated[tuple[ShiftType, ...], Field(min_length=1)]
    agents: tuple[Agent, ...]
    demand: tuple[Demand, ...] = ()
    cover: tuple[Cover, ...] = ()
    rules: Rules = Field(default_factory=Rules)
    weights: Weights = Field(default_factory=Weights)
    previous_roster: Roster | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        errors = list(_consistency_errors(self))
        if errors:
            raise ProblemError(errors)
        return self

    # -- calendar ------------------------------------------------------------------------

    @cached_property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @cached_property
    def dates(self) -> tuple[dt.date, ...]:
        return tuple(self.start_date + dt.timedelta(days=offset) for offset in range(self.days))

    @property
    def end_date(self) -> dt.date:
        """Last day of the horizon (inclusive)."""
        return self.start_date + dt.timedelta(days=self.days - 1)

    def day_index(self, day: dt.date) -> int:
        """0 for ``start_date``; outside ``range(days)`` when ``day`` is outside the horizon."""
        return (day - self.start_date).days

    def in_horizon(self, day: dt.date) -> bool:
        return 0 <= self.day_index(day) < self.days

    def averaging_blocks(self, averaging_weeks: int | None) -> tuple[AveragingBlock, ...]:
        """Blocks of ``averaging_weeks`` whole weeks from ``start_date``; the last may be shorter.

        ``None`` (no averaging period given) makes the whole horizon one block.
        """
        length = self.days if averaging_weeks is None else 7 * averaging_weeks
        return tuple(
            AveragingBlock(self.dates[first], min(length, self.days - first))
            for first in range(0, self.days, length)
        )

    # -- time ----------------------------------------------------------------------------

    def localize(self, moment: dt.datetime) -> dt.datetime:
        """An aware datetime in the problem's zone (naive ones are wall-clock times there)."""
        if moment.tzinfo is None:
            return moment.replace(tzinfo=self.tz)
        return moment.astimezone(self.tz)

    @cached_property
    def horizon_start(self) -> dt.datetime:
        return dt.datetime.combine(self.start_date, dt.time(0), tzinfo=self.tz)

    @cached_property
    def horizon_end(self) -> dt.datetime:
        return dt.datetime.combine(self.end_date + dt.timedelta(days=1), dt.time(0), tzinfo=self.tz)

    def minute_of(self, moment: dt.datetime) -> int:
        """Real minutes from the start of the horizon (negative before it); whole minutes only."""
        delta = self.localize(moment).astimezone(dt.UTC) - self.horizon_start.astimezone(dt.UTC)
        return int(delta.total_seconds()) // 60

    def at_minute(self, minute: int) -> dt.datetime:
        """The aware local datetime ``minute`` real minutes after the start of the horizon."""
        utc = self.horizon_start.astimezone(dt.UTC) + dt.timedelta(minutes=minute)
        return utc.astimezone(self.tz)

    # -- shifts --------------------------------------------------------------------------

    @cached_property
    def shift_types_by_id(self) -> Mapping[str, ShiftType]:
        return {shift.id: shift for shift in self.shift_types}

    @cached_property
    def agents_by_id(self) -> Mapping[str, Agent]:
        return {agent.id: agent for agent in self.agents}

    def shift_window(self, shift_id: str, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
        """Aware local (start, end) of shift type ``shift_id`` belonging to ``day``."""
        shift = self.shift_types_by_id[shift_id]
        start = dt.datetime.combine(day, shift.start, tzinfo=self.tz)
        end_utc = start.astimezone(dt.UTC) + dt.timedelta(minutes=shift.duration_minutes)
        return start, end_utc.astimezone(self.tz)

    def breaks_due(self, shift: ShiftType) -> bool:
        """A "long" shift: longer than work threshold + meal + rest (art. 32)."""
        breaks = self.rules.breaks
        threshold = breaks.work_threshold_minutes + breaks.meal_minutes + breaks.rest_minutes
        return shift.duration_minutes > threshold

    def work_minutes(self, shift: ShiftType) -> int:
        """Duration minus the breaks it carries (meal + rest when :meth:`breaks_due`)."""
        if self.breaks_due(shift):
            breaks = self.rules.breaks
            return shift.duration_minutes - breaks.meal_minutes - breaks.rest_minutes
        return shift.duration_minutes


# --------------------------------------------------------------------------- consistency


def _consistency_errors(problem: RosterProblem) -> Iterator[FieldError]:
    """Every cross-field error of a problem whose shape is already valid."""
    try:
        ZoneInfo(problem.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        yield FieldError("timezone", f"unknown IANA time zone {problem.timezone!r}")
        return  # nothing below can be placed in time

    shift_ids = yield from _unique_ids("shift_types", [s.id for s in problem.shift_types])
    yield from _unique_ids("agents", [a.id for a in problem.agents])
    first, last = problem.start_date, problem.end_date
    horizon = f"{first.isoformat()}..{last.isoformat()}"

    def date_errors(path: str, day: dt.date) -> Iterator[FieldError]:
        if not first <= day <= last:
            yield FieldError(path, f"{day.isoformat()} is outside the horizon {horizon}")

    def shift_errors(path: str, shift: str | None) -> Iterator[FieldError]:
        if shift is not None and shift not in shift_ids:
            yield FieldError(path, f"unknown shift type {shift!r}")

    for i, agent in enumerate(problem.agents):
        at = f"agents[{i}]"
        contract = agent.contract
        for shift_id in contract.max_shifts:
            yield from shift_errors(f"{at}.contract.max_shifts.{shift_id}", shift_id)
        for low, high in (
            ("min_work_minutes", "max_work_minutes"),
            ("min_consecutive_work_days", "max_consecutive_work_days"),
        ):
            low_value, high_value = getattr(contract, low), getattr(contract, high)
            if low_value is not None and high_value is not None and low_value > high_value:
                yield FieldError(
                    f"{at}.contract.{low}", f"must be <= {high} ({low_value} > {high_value})"
                )
        for j, day in enumerate(agent.days_off):
            yield from date_errors(f"{at}.days_off[{j}]", day)
        leave_days: Counter[dt.date] = Counter()
        for j, leave in enumerate(agent.leave):
            yield from date_errors(f"{at}.leave[{j}].date", leave.date)
            leave_days[leave.date] += 1
            if leave_days[leave.date] == 2:
                yield FieldError(f"{at}.leave[{j}].date", f"second leave on {leave.date}")
        for j, request in enumerate(agent.requests):
            yield from date_errors(f"{at}.requests[{j}].date", request.date)
            yield from shift_errors(f"{at}.requests[{j}].shift", request.shift)
        fixed_days: set[dt.date] = set()
        for j, fixed in enumerate(agent.fixed):
            yield from date_errors(f"{at}.fixed[{j}].date", fixed.date)
            yield from shift_errors(f"{at}.fixed[{j}].shift", fixed.shift)
            if fixed.date in fixed_days:
                yield FieldError(f"{at}.fixed[{j}].date", f"second fixed entry on {fixed.date}")
            fixed_days.add(fixed.date)

    starts: set[int] = set()
    for k, demand in enumerate(problem.demand):
        path = f"demand[{k}].start"
        minute = problem.minute_of(demand.start)
        when = format_datetime(demand.start)
        if not 0 <= minute < problem.minute_of(problem.horizon_end):
            yield FieldError(path, f"{when} is outside the horizon {horizon}")
        elif minute % problem.interval_minutes:
            yield FieldError(
                path,
                f"{when} is not aligned to interval_minutes "
                f"({problem.interval_minutes}) from {first.isoformat()}T00:00",
            )
        elif minute in starts:
            yield FieldError(path, f"second demand for the interval {when}")
        starts.add(minute)

    covered: set[tuple[dt.date, str]] = set()
    for k, cover in enumerate(problem.cover):
        yield from date_errors(f"cover[{k}].date", cover.date)
        yield from shift_errors(f"cover[{k}].shift", cover.shift)
        if (cover.date, cover.shift) in covered:
            yield FieldError(f"cover[{k}]", f"second cover entry for {cover.date} {cover.shift}")
        covered.add((cover.date, cover.shift))

    for k, pair in enumerate(problem.rules.forbidden_successions):
        for side, shift_id in enumerate(pair):
            yield from shift_errors(f"rules.forbidden_successions[{k}][{side}]", shift_id)


def _unique_ids(path: str, ids: Sequence[str]) -> Generator[FieldError, None, set[str]]:
    """Errors for repeated ids; returns (as the generator's value) the set of ids."""
    seen: dict[str, int] = {}
    for index, identifier in enumerate(ids):
        if identifier in seen:
            yield FieldError(
                f"{path}[{index}].id",
                f"duplicate id {identifier!r} (first at {path}[{seen[identifier]}])",
            )
        else:
            seen[identifier] = index
    return set(seen)


# --------------------------------------------------------------------------- art. 40


@dataclass(frozen=True)
class AnnualLeaveConflict:
    """Art. 40: more agents on annual leave on ``date`` than ``limit``."""

    date: dt.date
    agents: tuple[str, ...]
    limit: int

    @property
    def detail(self) -> str:
        names = ", ".join(self.agents[:-1]) + f" and {self.agents[-1]}"
        return f"annual leave of {names} exceeds the limit of {self.limit}"

    @property
    def message(self) -> str:
        return f"art. 40: {self.date.isoformat()}: {self.detail}"

    def __str__(self) -> str:
        return self.message


def annual_leave_conflicts(problem: RosterProblem) -> list[AnnualLeaveConflict]:
    """Days on which the problem's own leave already breaks art. 40, in date order."""
    on_leave: defaultdict[dt.date, list[str]] = defaultdict(list)
    for agent in problem.agents:
        for day in sorted({entry.date for entry in agent.leave if entry.kind == "annual"}):
            on_leave[day].append(agent.id)
    limit = problem.rules.max_concurrent_annual_leave
    return [
        AnnualLeaveConflict(day, tuple(sorted(agents)), limit)
        for day, agents in sorted(on_leave.items())
        if len(agents) > limit
    ]


def ensure_annual_leave_within_limit(problem: RosterProblem, source: str | None = None) -> None:
    """Raise ProblemError (one error per day) when the problem's leave breaks art. 40."""
    conflicts = annual_leave_conflicts(problem)
    if conflicts:
        path = "rules.max_concurrent_annual_leave"
        raise ProblemError([(path, conflict.message) for conflict in conflicts], source)


# --------------------------------------------------------------------------- load and save


def load_problem(path_or_text: str | os.PathLike[str]) -> RosterProblem:
    """Read PROBLEM.json from a path, or from JSON text (a ``str`` starting with ``{``).

    Raises ProblemError listing every error. Does not apply the art. 40 refusal: call
    :func:`annual_leave_conflicts` or :func:`ensure_annual_leave_within_limit` for that.
    """
    return _load(RosterProblem, path_or_text, ProblemError)


def load_roster(path_or_text: str | os.PathLike[str]) -> Roster:
    """Read ROSTER.json from a path or JSON text; raises RosterError listing every error."""
    return _load(Roster, path_or_text, RosterError)


def problem_to_json(problem: RosterProblem) -> str:
    """The problem as PROBLEM.json text (every field written, defaults included)."""
    return _dumps(problem)


def roster_to_json(roster: Roster) -> str:
    return _dumps(roster)


def save_roster(roster: Roster, path: str | os.PathLike[str]) -> None:
    """Write ROSTER.json atomically: a temporary file in the same folder, then a rename."""
    write_atomically(Path(path), roster_to_json(roster))


def write_atomically(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` in one step; a failure leaves the old file (or none)."""
    handle = tempfile.NamedTemporaryFile(
        "w",
        encoding="utf-8",
        dir=path.parent,
        prefix=f".{path.name}.",
        suffix=".tmp",
        delete=False,
    )
    try:
        with handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(handle.name, path)
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise


def _dumps(model: BaseModel) -> str:
    return json.dumps(model.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"


_M = TypeVar("_M", bound=BaseModel)


def _load(model: type[_M], path_or_text: str | os.PathLike[str], error: type[InputError]) -> _M:
    if isinstance(path_or_text, str) and path_or_text.lstrip().startswith("{"):
        source, text = None, path_or_text
    else:
        source = os.fspath(path_or_text)
        try:
            text = Path(source).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise error([("$", f"cannot read the file: {exc}")], source) from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        message = f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        raise error([("$", message)], source) from exc
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise error(pydantic_errors(exc), source) from exc
    except InputError as exc:
        raise error(exc.errors, source) from exc


def pydantic_errors(exc: ValidationError) -> list[FieldError]:
    """A pydantic ValidationError as ``(JSON path, message)`` pairs in plain words."""
    return [
        FieldError(json_path(detail["loc"]), _plain_message(detail))
        for detail in exc.errors(include_url=False)
    ]


def json_path(loc: Sequence[int | str]) -> str:
    """``("agents", 3, "contract", "weekly_minutes")`` -> ``agents[3].contract.weekly_minutes``."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else part
    return path or "$"


_TYPE_MESSAGES = {
    "missing": "is required",
    "extra_forbidden": "is not a field of the contract",
    "int_type": "must be an integer",
    "int_parsing": "must be an integer",
    "int_from_float": "must be an integer",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "string_type": "must be a string",
    "string_too_short": "must not be empty",
    "date_type": "must be a date YYYY-MM-DD",
    "date_parsing": "must be a date YYYY-MM-DD",
    "date_from_datetime_parsing": "must be a date YYYY-MM-DD",
    "date_from_datetime_inexact": "must be a date YYYY-MM-DD",
    "datetime_type": "must be a datetime YYYY-MM-DDTHH:MM",
    "datetime_parsing": "must be a datetime YYYY-MM-DDTHH:MM",
    "datetime_from_date_parsing": "must be a datetime YYYY-MM-DDTHH:MM",
    "list_type": "must be a list",
    "tuple_type": "must be a list",
    "dict_type": "must be an object",
    "model_type": "must be an object",
    "model_attributes_type": "must be an object",
}


def _plain_message(detail: Mapping[str, Any]) -> str:
    kind = detail["type"]
    context = detail.get("ctx", {})
    if kind == "value_error":
        return str(context.get("error", detail["msg"]))
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        op, bound = {
            "greater_than_equal": (">=", "ge"),
            "greater_than": (">", "gt"),
            "less_than_equal": ("<=", "le"),
            "less_than": ("<", "lt"),
        }[kind]
        return f"must be {op} {context[bound]} (got {detail['input']!r})"
    if kind == "literal_error":
        return f"must be one of {context['expected']} (got {detail['input']!r})"
    if kind == "too_short":
        return f"must have at least {context['min_length']} item(s)"
    message = _TYPE_MESSAGES.get(kind) or str(detail["msg"])
    if kind not in ("missing", "extra_forbidden") and isinstance(
        detail.get("input"), str | int | float | bool | None
    ):
        message += f" (got {detail['input']!r})"
    return message
