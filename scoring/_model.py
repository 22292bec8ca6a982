"""Typed plain data going into and out of the scoring engine.

Inputs mirror the scoring files of the interfaces spec (``agents.csv``, ``kpis.csv``,
``events.csv``) plus what only the application knows (approved leave and swaps). Outputs
carry exactly the columns of ``score quarter`` / ``score year`` (see ``QUARTER_FIELDS``,
``YEAR_FIELDS``) and, beyond them, the structured line items behind every point.

Scores are :class:`~decimal.Decimal` with two places: float rounding is never used.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Protocol

from scoring._errors import ScoringInputError

Number = Decimal | float
"""A score or weight as the caller holds it; floats are read through ``str`` (0.1 -> 0.1)."""

CENT = Decimal("0.01")


def to_decimal(value: Number | str, what: str) -> Decimal:
    """``value`` as an exact Decimal; floats go through ``repr`` so 88.3 stays 88.3."""
    if isinstance(value, bool):
        raise ScoringInputError(f"{what}: expected a number, got {value!r}")
    try:
        result = value if isinstance(value, Decimal) else Decimal(str(value))
    except ArithmeticError as exc:
        raise ScoringInputError(f"{what}: not a number: {value!r}") from exc
    if not result.is_finite():
        raise ScoringInputError(f"{what}: not a finite number: {value!r}")
    return result


def round_half_up(value: Decimal) -> Decimal:
    """Round to two decimals, halves away from zero (72.345 -> 72.35)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


# --------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class Employment:
    """An agent's employment period (from ``agents.csv`` / the agents table)."""

    agent_id: str
    hire_date: dt.date
    left_date: dt.date | None = None
    """Last day employed; ``None`` while still employed."""


@dataclass(frozen=True)
class QuarterKpi:
    """One row of ``kpis.csv``: an agent's KPIs for one quarter."""

    agent_id: str
    year: int
    quarter: int
    calls_answered: int
    quality_score: Number
    """Call-monitoring score, 0-100."""
    exam_score: Number
    """Quarterly exam score (art. 23), 0-100."""
    training_required: Number = 0
    training_attended: Number = 0
    volume_bonus_awarded: bool = False
    """Already rewarded for volume in the assessment itself: excluded from R2 (art. 104)."""


@dataclass(frozen=True)
class ScoringEvent:
    """One row of ``events.csv``: a rule code (R5-R7, P, S, G) or an attendance mark."""

    event_id: str
    agent_id: str
    date: dt.date
    code: str
    note: str = ""


@dataclass(frozen=True)
class AttendanceMark:
    """A day the application knows blocks R1: approved sick/personal leave or an approved swap.

    ``code`` is a mark of the rule table (``SICK``, ``PERSONAL``, ``SWAP``); it counts exactly
    like the same mark in ``events.csv``. A leave of several days is one mark per day (or
    at least one per calendar month touched, which is all R1 looks at).
    """

    agent_id: str
    date: dt.date
    code: str


@dataclass(frozen=True)
class ScoringSettings:
    """KPI weights of the base score and the pass mark (regulations, "The quarterly score")."""

    quality_weight: Number = Decimal("0.4")
    exam_weight: Number = Decimal("0.2")
    productivity_weight: Number = Decimal("0.3")
    training_weight: Number = Decimal("0.1")
    pass_mark: Number = Decimal("60")
    standby_after_failed_quarters: int = 3
    """Art. 27: failed quarters (cumulative) that send an agent to standby training."""


DEFAULT_SETTINGS = ScoringSettings()


# --------------------------------------------------------------------------- outputs


@dataclass(frozen=True)
class LineItem:
    """One traceable contribution to a quarterly score: a computed award or an event.

    ``points`` is signed (+ reward, - penalty, 0 for outcomes without points); ``effects``
    are the rule table's effects for ``code``. ``period`` is what the explanation shows:
    the event's ISO date, the month (``2026-07``, R1) or the quarter (``2026-Q3``, R2-R4).
    """

    code: str
    article: int
    points: int
    effects: tuple[str, ...]
    period: str
    date: dt.date | None = None
    event_id: str | None = None

    def describe(self) -> str:
        """``P1 2026-07-03 -2 art.105``; outcomes follow: ``G6 2026-08-01 0 art.107 zero,flag``."""
        sign = "+" if self.points > 0 else ""
        text = f"{self.code} {self.period} {sign}{self.points} art.{self.article}"
        outcomes = [e for e in self.effects if e not in ("add", "deduct")]
        if outcomes:
            text += " " + ",".join(outcomes)
        return text


QUARTER_FIELDS: tuple[str, ...] = (
    "agent_id",
    "year",
    "quarter",
    "base_score",
    "reward_points",
    "penalty_points",
    "final_score",
    "zeroed",
    "failed",
    "disqualified_annual",
    "termination_review",
    "standby_training",
    "explanation",
)
"""Columns of the ``score quarter`` output, in order (interfaces spec)."""


@dataclass(frozen=True)
class QuarterScore:
    """One agent's score for one quarter: the ``score quarter`` row plus its traceability."""

    agent_id: str
    year: int
    quarter: int
    base_score: Decimal
    reward_points: int
    penalty_points: int
    """Positive: the sum of points deducted."""
    final_score: Decimal
    zeroed: bool
    failed: bool
    disqualified_annual: bool
    termination_review: bool
    standby_training: bool
    explanation: str
    rule_table_version: str
    line_items: tuple[LineItem, ...]
    failed_quarters: int
    """Art. 27 counter after this quarter (restarted to 0 when ``standby_training`` is set)."""

    def as_row(self) -> dict[str, object]:
        """Exactly the ``score quarter`` columns, in order."""
        return {name: getattr(self, name) for name in QUARTER_FIELDS}


class QuarterResult(Protocol):
    """What ``score_year`` needs of a quarterly score: a :class:`QuarterScore`, or a stored
    score reloaded by the application (``line_items`` is read when present)."""

    @property
    def agent_id(self) -> str: ...

    @property
    def year(self) -> int: ...

    @property
    def quarter(self) -> int: ...

    @property
    def final_score(self) -> Decimal: ...

    @property
    def disqualified_annual(self) -> bool: ...


YEAR_FIELDS: tuple[str, ...] = (
    "agent_id",
    "year",
    "quarters_scored",
    "mean_final_score",
    "disqualified_annual",
    "rank",
    "nominated",
    "tie_at_cut",
    "explanation",
)
"""Columns of the ``score year`` output, in order (interfaces spec)."""


@dataclass(frozen=True)
class YearScore:
    """One agent's annual-excellence standing (art. 104 R8): the ``score year`` row."""

    agent_id: str
    year: int
    quarters_scored: int
    mean_final_score: Decimal
    disqualified_annual: bool
    rank: int | None
    """Competition rank among eligible agents; ``None`` when disqualified."""
    nominated: bool
    tie_at_cut: bool
    explanation: str
    rule_table_version: str

    def as_row(self) -> dict[str, object]:
        """Exactly the ``score year`` columns, in order."""
        return {name: getattr(self, name) for name in YEAR_FIELDS}
