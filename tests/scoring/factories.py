"""One-line factories for scoring tests: a quarter is 2026 Q3 (July-September) by default."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from scoring import (
    AttendanceMark,
    Employment,
    QuarterKpi,
    QuarterScore,
    RuleTable,
    ScoringEvent,
    ScoringSettings,
    load_rule_table,
    score_quarter,
)

YEAR, QUARTER = 2026, 3
TABLE = load_rule_table()
EVENTS_ONLY = RuleTable(
    version="events-only",
    rules={c: r for c, r in TABLE.rules.items() if r.source == "event"},
    marks=dict(TABLE.marks),
)
"""The real table without computed rewards R1-R4: the final score is the base +- events."""

EVENT_CODES = [c for c, r in TABLE.rules.items() if r.source == "event"]
"""Event rule codes of the shipped table (R5-R7, P, S, G), in table order."""

LONG_AGO = dt.date(2020, 1, 1)


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def kpi(
    agent: str = "A1",
    calls: int = 100,
    quality: float | Decimal = 50,
    exam: float | Decimal = 50,
    required: float = 0,
    attended: float = 0,
    bonus: bool = False,
    year: int = YEAR,
    quarter: int = QUARTER,
) -> QuarterKpi:
    return QuarterKpi(agent, year, quarter, calls, quality, exam, required, attended, bonus)


def job(agent: str = "A1", hired: str | None = None, left: str | None = None) -> Employment:
    return Employment(agent, day(hired) if hired else LONG_AGO, day(left) if left else None)


def ev(code: str, agent: str = "A1", on: str = "2026-07-03", event_id: str = "") -> ScoringEvent:
    return ScoringEvent(event_id or f"{code}-{agent}-{on}", agent, day(on), code, "")


def mark(code: str, agent: str = "A1", on: str = "2026-07-03") -> AttendanceMark:
    return AttendanceMark(agent, day(on), code)


def score(
    *kpis: QuarterKpi,
    events: Iterable[ScoringEvent] = (),
    marks: Iterable[AttendanceMark] = (),
    jobs: Iterable[Employment] | None = None,
    rules: RuleTable = TABLE,
    failed_before: Mapping[str, int] | None = None,
    settings: ScoringSettings | None = None,
    year: int = YEAR,
    quarter: int = QUARTER,
) -> dict[str, QuarterScore]:
    """Score the quarter; agents without an explicit job were hired long ago."""
    rows = list(kpis) or [kpi()]
    given = list(jobs or [])
    known = {j.agent_id for j in given}
    given += [job(r.agent_id) for r in rows if r.agent_id not in known]
    result = score_quarter(
        year,
        quarter,
        employments=given,
        kpis=rows,
        rules=rules,
        events=events,
        attendance_marks=marks,
        failed_quarters_before=failed_before,
        **({"settings": settings} if settings else {}),
    )
    return {s.agent_id: s for s in result}


def one(*kpis: QuarterKpi, **kwargs: Any) -> QuarterScore:
    """The score of agent A1."""
    return score(*kpis, **kwargs)["A1"]


def points(items_of: QuarterScore, code: str) -> int:
    """Sum of the line-item points of ``code``."""
    return sum(i.points for i in items_of.line_items if i.code == code)


@dataclass(frozen=True)
class StoredScore:
    """A quarterly score as the application reloads it (satisfies ``QuarterResult``)."""

    agent_id: str
    year: int
    quarter: int
    final_score: Decimal
    disqualified_annual: bool = False


def stored(
    agent: str, quarter: int, final: str, disq: bool = False, year: int = YEAR
) -> StoredScore:
    return StoredScore(agent, year, quarter, Decimal(final), disq)
