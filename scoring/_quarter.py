"""Quarterly scores: base score from KPIs, art. 104 rewards, art. 105-107 penalties, art. 27.

Every point and every outcome comes from a :class:`LineItem` whose effects are read from the
rule table (``add``, ``deduct``, ``zero``, ``disqualify``, ``flag``); code never lists which
codes zero a score or flag a termination review. The only logic written here is how the
computed rewards R1-R4 are earned, one function per rule, registered in ``COMPUTED_RULES``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, localcontext
from numbers import Integral
from typing import TypeVar

from scoring._errors import RuleTableError, ScoringInputError, UnknownEventCodeError
from scoring._model import (
    DEFAULT_SETTINGS,
    AttendanceMark,
    Employment,
    LineItem,
    QuarterKpi,
    QuarterScore,
    ScoringEvent,
    ScoringSettings,
    round_half_up,
    to_decimal,
)
from scoring._ranking import competition_ranks
from scoring._rules import Rule, RuleTable

HUNDRED = Decimal(100)
_PRECISION = 50  # digits for intermediate ratios; only the final base score is rounded


# --------------------------------------------------------------------------- calendar


def quarter_months(year: int, quarter: int) -> tuple[dt.date, ...]:
    """The first day of each month of the quarter."""
    if not 1 <= quarter <= 4:
        raise ScoringInputError(f"quarter must be 1-4, got {quarter}")
    return tuple(dt.date(year, 3 * (quarter - 1) + m, 1) for m in (1, 2, 3))


def _month_end(first: dt.date) -> dt.date:
    following = dt.date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return following - dt.timedelta(days=1)


def as_date(value: dt.date) -> dt.date:
    """A plain date: datetimes (pandas Timestamps included) lose their time of day."""
    return value.date() if isinstance(value, dt.datetime) else value


def _in_quarter(day: dt.date, year: int, quarter: int) -> bool:
    return day.year == year and (day.month - 1) // 3 + 1 == quarter


# --------------------------------------------------------------------------- base score


@dataclass(frozen=True)
class _Weights:
    quality: Decimal
    exam: Decimal
    productivity: Decimal
    training: Decimal
    pass_mark: Decimal


def _weights(settings: ScoringSettings) -> _Weights:
    weights = _Weights(
        quality=to_decimal(settings.quality_weight, "settings.quality_weight"),
        exam=to_decimal(settings.exam_weight, "settings.exam_weight"),
        productivity=to_decimal(settings.productivity_weight, "settings.productivity_weight"),
        training=to_decimal(settings.training_weight, "settings.training_weight"),
        pass_mark=to_decimal(settings.pass_mark, "settings.pass_mark"),
    )
    parts = (weights.quality, weights.exam, weights.productivity, weights.training)
    if any(w < 0 for w in parts) or sum(parts) != 1:
        raise ScoringInputError(
            f"settings: KPI weights must be >= 0 and sum to 1, got {[str(w) for w in parts]}"
        )
    if settings.standby_after_failed_quarters < 1:
        raise ScoringInputError("settings.standby_after_failed_quarters must be >= 1")
    return weights


def median_calls(calls: Iterable[int]) -> Decimal:
    """Median of calls answered; an even count gives the mean of the middle two."""
    ordered = sorted(calls)
    if not ordered:
        raise ScoringInputError("median of no agents")
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return Decimal(ordered[middle])
    return Decimal(ordered[middle - 1] + ordered[middle]) / 2


def productivity_score(calls: int, median: Decimal) -> Decimal:
    """``min(100, 100 * calls / median)``.

    A median of 0 (half the agents or more answered nothing) is the limit of a tiny median:
    any answered call scores 100, no call scores 0. No division by zero.
    """
    if median == 0:
        return HUNDRED if calls > 0 else Decimal(0)
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        return min(HUNDRED, HUNDRED * calls / median)


def training_score(required: Decimal, attended: Decimal) -> Decimal:
    """``100 * attended / required``, 100 when nothing was required, capped at 100."""
    if required == 0:
        return HUNDRED
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        return min(HUNDRED, HUNDRED * attended / required)


def _base_score(kpi: _Kpi, median: Decimal, weights: _Weights) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        raw = (
            weights.quality * kpi.quality
            + weights.exam * kpi.exam
            + weights.productivity * productivity_score(kpi.calls, median)
            + weights.training * training_score(kpi.training_required, kpi.training_attended)
        )
    return round_half_up(raw)


@dataclass(frozen=True)
class _Kpi:
    """A validated KPI row with exact numbers."""

    agent_id: str
    calls: int
    quality: Decimal
    exam: Decimal
    training_required: Decimal
    training_attended: Decimal
    volume_bonus_awarded: bool


def _validate_kpi(row: QuarterKpi) -> _Kpi:
    where = f"KPI row of agent {row.agent_id!r} {row.year} Q{row.quarter}"
    # numbers.Integral also admits numpy integers read through pandas
    if isinstance(row.calls_answered, bool) or not isinstance(row.calls_answered, Integral):
        raise ScoringInputError(f"{where}: calls_answered must be an integer")
    calls = int(row.calls_answered)
    if calls < 0:
        raise ScoringInputError(f"{where}: calls_answered must be >= 0")
    kpi = _Kpi(
        agent_id=row.agent_id,
        calls=calls,
        quality=to_decimal(row.quality_score, f"{where}: quality_score"),
        exam=to_decimal(row.exam_score, f"{where}: exam_score"),
        training_required=to_decimal(row.training_required, f"{where}: training_required"),
        training_attended=to_decimal(row.training_attended, f"{where}: training_attended"),
        volume_bonus_awarded=bool(row.volume_bonus_awarded),
    )
    for name, value in (("quality_score", kpi.quality), ("exam_score", kpi.exam)):
        if not 0 <= value <= 100:
            raise ScoringInputError(f"{where}: {name} must be within 0-100, got {value}")
    if kpi.training_required < 0 or kpi.training_attended < 0:
        raise ScoringInputError(f"{where}: training figures must be >= 0")
    return kpi


# --------------------------------------------------------------------------- computed rules


@dataclass(frozen=True)
class _QuarterContext:
    """What the computed rules see: the quarter, the scored agents and their attendance."""

    year: int
    quarter: int
    months: tuple[dt.date, ...]
    kpis: Mapping[str, _Kpi]
    employments: Mapping[str, Employment]
    blocked_months: Mapping[str, frozenset[tuple[str, dt.date]]]
    """Per agent: (rule code blocked, first day of month) from attendance marks."""

    @property
    def period(self) -> str:
        return f"{self.year}-Q{self.quarter}"


Award = tuple[str, LineItem]
"""(agent_id, line item) produced by a computed rule."""


def _award(rule: Rule, points: int, period: str) -> LineItem:
    return LineItem(
        code=rule.code, article=rule.article, points=points, effects=rule.effects, period=period
    )


def full_attendance(rule: Rule, ctx: _QuarterContext) -> list[Award]:
    """R1, art. 104: +points per month employed from its 1st to its end with no blocking mark."""
    awards: list[Award] = []
    for agent_id in ctx.kpis:
        job = ctx.employments[agent_id]
        for first in ctx.months:
            employed = job.hire_date <= first and (
                job.left_date is None or job.left_date >= _month_end(first)
            )
            if employed and (rule.code, first) not in ctx.blocked_months.get(agent_id, ()):
                awards.append((agent_id, _award(rule, rule.points, first.strftime("%Y-%m"))))
    return awards


def little_bee(rule: Rule, ctx: _QuarterContext) -> list[Award]:
    """R2, art. 104: everyone tied for most calls answered, except agents already rewarded
    for volume in the assessment; their award is not passed to the runner-up."""
    most = max((k.calls for k in ctx.kpis.values()), default=0)
    if most <= 0:  # nobody answered a call: no "most calls"
        return []
    return [
        (agent_id, _award(rule, rule.points, ctx.period))
        for agent_id, kpi in ctx.kpis.items()
        if kpi.calls == most and not kpi.volume_bonus_awarded
    ]


def call_quality_star(rule: Rule, ctx: _QuarterContext) -> list[Award]:
    """R3, art. 104: everyone tied for the best call-quality score (a best of 0 wins nothing)."""
    best = max((k.quality for k in ctx.kpis.values()), default=Decimal(0))
    if best <= 0:
        return []
    return [
        (agent_id, _award(rule, rule.points, ctx.period))
        for agent_id, kpi in ctx.kpis.items()
        if kpi.quality == best
    ]


def technical_expert(rule: Rule, ctx: _QuarterContext) -> list[Award]:
    """R4, art. 104: exam ranks 1/2/3 under competition ranking earn the rule's rank_points.

    An exam score of 0 earns no rank award.
    """
    by_rank = rule.rank_points or (rule.points,)
    ranks = competition_ranks({a: k.exam for a, k in ctx.kpis.items() if k.exam > 0})
    return [
        (agent_id, _award(rule, by_rank[rank - 1], ctx.period))
        for agent_id, rank in ranks.items()
        if rank <= len(by_rank)
    ]


ComputedRule = Callable[[Rule, _QuarterContext], list[Award]]

COMPUTED_RULES: dict[str, ComputedRule] = {
    "R1": full_attendance,
    "R2": little_bee,
    "R3": call_quality_star,
    "R4": technical_expert,
}
"""Quarterly computed rules by code. R8 (``nominate``) is annual: see ``score_year``."""


def _check_computed_rules(rules: RuleTable) -> None:
    for code, rule in rules.rules.items():
        if (
            rule.source == "computed"
            and code not in COMPUTED_RULES
            and ("nominate" not in rule.effects)
        ):
            raise RuleTableError(
                f"rule table {rules.version}: computed rule {code!r} has no implementation"
            )


# --------------------------------------------------------------------------- events


def event_line_item(event: ScoringEvent, rule: Rule) -> LineItem:
    """The line item of an event: the rule's points, signed by its add/deduct effect."""
    if "add" in rule.effects:
        points = rule.points
    elif "deduct" in rule.effects:
        points = -rule.points
    else:
        points = 0
    day = as_date(event.date)
    return LineItem(
        code=rule.code,
        article=rule.article,
        points=points,
        effects=rule.effects,
        period=day.isoformat(),
        date=day,
        event_id=event.event_id,
    )


def _check_event_code(event: ScoringEvent, rules: RuleTable) -> None:
    if event.code not in rules.event_codes:
        raise UnknownEventCodeError(event.event_id, event.code, rules.version)


# --------------------------------------------------------------------------- the quarter

T = TypeVar("T")


def _index_unique(rows: Iterable[T], key: Callable[[T], str], what: str) -> dict[str, T]:
    index: dict[str, T] = {}
    for row in rows:
        k = key(row)
        if k in index:
            raise ScoringInputError(f"duplicate {what} for agent {k!r}")
        index[k] = row
    return index


def score_quarter(
    year: int,
    quarter: int,
    *,
    employments: Iterable[Employment],
    kpis: Iterable[QuarterKpi],
    rules: RuleTable,
    events: Iterable[ScoringEvent] = (),
    attendance_marks: Iterable[AttendanceMark] = (),
    failed_quarters_before: Mapping[str, int] | None = None,
    settings: ScoringSettings = DEFAULT_SETTINGS,
) -> tuple[QuarterScore, ...]:
    """Score one quarter; one row per agent with a KPI row for it, sorted by agent id.

    KPI rows, events and marks of other quarters are ignored, as are events of agents not
    scored. ``failed_quarters_before`` is each agent's art. 27 counter before this quarter
    (failed quarters since hire or since the last standby training; missing means 0).
    Raises :class:`UnknownEventCodeError` for an in-quarter event or mark whose code the
    table does not define, :class:`ScoringInputError` for inconsistent input.
    """
    months = quarter_months(year, quarter)
    weights = _weights(settings)
    _check_computed_rules(rules)
    prior = dict(failed_quarters_before or {})

    quarter_rows = [r for r in kpis if r.year == year and r.quarter == quarter]
    kpi_by_agent = {
        a: _validate_kpi(r)
        for a, r in sorted(_index_unique(quarter_rows, lambda r: r.agent_id, "KPI row").items())
    }
    jobs = {
        a: Employment(a, as_date(e.hire_date), as_date(e.left_date) if e.left_date else None)
        for a, e in _index_unique(employments, lambda e: e.agent_id, "employment").items()
    }
    for agent_id in kpi_by_agent:
        if agent_id not in jobs:
            raise ScoringInputError(f"KPI row for agent {agent_id!r} who is not in the agents")

    blocked: dict[str, set[tuple[str, dt.date]]] = defaultdict(set)
    event_items: dict[str, list[LineItem]] = defaultdict(list)
    for event in events:
        if not _in_quarter(event.date, year, quarter):
            continue
        _check_event_code(event, rules)
        if event.code in rules.marks:
            month = as_date(event.date).replace(day=1)
            blocked[event.agent_id].update((c, month) for c in rules.marks[event.code].blocks)
        else:
            event_items[event.agent_id].append(event_line_item(event, rules.rules[event.code]))
    for mark in attendance_marks:
        if not _in_quarter(mark.date, year, quarter):
            continue
        if mark.code not in rules.marks:
            raise ScoringInputError(
                f"attendance mark of agent {mark.agent_id!r} on {mark.date}: {mark.code!r} "
                f"is not a mark of rule table {rules.version}"
            )
        month = as_date(mark.date).replace(day=1)
        blocked[mark.agent_id].update((c, month) for c in rules.marks[mark.code].blocks)

    if not kpi_by_agent:
        return ()
    median = median_calls(k.calls for k in kpi_by_agent.values())
    ctx = _QuarterContext(
        year=year,
        quarter=quarter,
        months=months,
        kpis=kpi_by_agent,
        employments=jobs,
        blocked_months={a: frozenset(b) for a, b in blocked.items()},
    )
    computed: dict[str, list[LineItem]] = defaultdict(list)
    for code, rule in rules.rules.items():
        if rule.source == "computed" and code in COMPUTED_RULES:
            for agent_id, item in COMPUTED_RULES[code](rule, ctx):
                computed[agent_id].append(item)

    order = {code: i for i, code in enumerate(rules.rules)}
    scores: list[QuarterScore] = []
    for agent_id, kpi in kpi_by_agent.items():
        items = sorted(computed[agent_id], key=lambda i: (order[i.code], i.period)) + sorted(
            event_items[agent_id], key=lambda i: (i.period, order[i.code], i.event_id or "")
        )
        count_before = prior.get(agent_id, 0)
        if count_before < 0:
            raise ScoringInputError(f"failed_quarters_before of {agent_id!r} must be >= 0")
        scores.append(
            _agent_score(
                agent_id,
                year,
                quarter,
                _base_score(kpi, median, weights),
                tuple(items),
                count_before,
                weights.pass_mark,
                settings.standby_after_failed_quarters,
                rules.version,
            )
        )
    return tuple(scores)


def _agent_score(
    agent_id: str,
    year: int,
    quarter: int,
    base: Decimal,
    items: tuple[LineItem, ...],
    failed_before: int,
    pass_mark: Decimal,
    standby_after: int,
    version: str,
) -> QuarterScore:
    effects = {e for item in items for e in item.effects}
    rewards = sum(i.points for i in items if "add" in i.effects)
    penalties = -sum(i.points for i in items if "deduct" in i.effects)
    zeroed = "zero" in effects
    final = Decimal("0.00") if zeroed else max(Decimal("0.00"), base + rewards - penalties)
    failed = final < pass_mark
    count = failed_before + (1 if failed else 0)
    standby = failed and count >= standby_after
    return QuarterScore(
        agent_id=agent_id,
        year=year,
        quarter=quarter,
        base_score=base,
        reward_points=rewards,
        penalty_points=penalties,
        final_score=final,
        zeroed=zeroed,
        failed=failed,
        disqualified_annual="disqualify" in effects,
        termination_review="flag" in effects,
        standby_training=standby,
        explanation=";".join(item.describe() for item in items),
        rule_table_version=version,
        line_items=items,
        failed_quarters=0 if standby else count,
    )
