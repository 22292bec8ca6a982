"""Tiny roster problems and rosters for rule tests, plus ``verify(rule).given(...)``.

The default problem: one night-eligible agent ``A1`` in team ``T1`` with no contract limits,
7 days from Monday 2026-11-30 (Saturday is 2026-12-05), Asia/Shanghai, rules at their
defaults (no minimum rest), no demand. Shift types:

* ``D08`` 08:00 + 540 min (long: breaks due, 480 work minutes)
* ``S09`` 09:00 + 240 min (short)
* ``N22`` 22:00 + 600 min, night (long, ends 08:00 the next day)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from scheduler import Assignment, CheckReport, Roster, RosterProblem, check_roster

START = dt.date(2026, 11, 30)

SHIFT_TYPES: list[dict[str, Any]] = [
    {"id": "D08", "start": "08:00", "duration_minutes": 540, "night": False},
    {"id": "S09", "start": "09:00", "duration_minutes": 240, "night": False},
    {"id": "N22", "start": "22:00", "duration_minutes": 600, "night": True},
]


def day(index: int) -> str:
    """ISO date of horizon day ``index`` (0 = 2026-11-30)."""
    return (START + dt.timedelta(days=index)).isoformat()


def agent(agent_id: str = "A1", team: str = "T1", **fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"id": agent_id, "team": team, "night_eligible": True}
    data.update(fields)
    return data


def problem(**fields: Any) -> RosterProblem:
    """The default tiny problem with top-level ``fields`` replaced."""
    data: dict[str, Any] = {
        "name": "tiny",
        "start_date": START.isoformat(),
        "days": 7,
        "shift_types": SHIFT_TYPES,
        "agents": [agent()],
    }
    data.update(fields)
    return RosterProblem.model_validate(data)


def auto_breaks(start: dt.datetime, minutes: int, meal: int = 30, rest: int = 30) -> list[Any]:
    """Meal then rest splitting the work into three near-equal stretches."""
    stretch = (minutes - meal - rest) // 3
    meal_at = start + dt.timedelta(minutes=stretch)
    rest_at = meal_at + dt.timedelta(minutes=meal + stretch)
    return [
        {"kind": "meal", "start": meal_at.isoformat(timespec="minutes"), "minutes": meal},
        {"kind": "rest", "start": rest_at.isoformat(timespec="minutes"), "minutes": rest},
    ]


def shift(
    prob: RosterProblem,
    day_index: int,
    shift_id: str,
    agent_id: str = "A1",
    breaks: list[Any] | None = None,
    **fields: Any,
) -> dict[str, Any]:
    """An assignment with the shift type's times and, for a long shift, valid breaks."""
    date = START + dt.timedelta(days=day_index)
    shift_type = {s.id: s for s in prob.shift_types}.get(shift_id)
    data: dict[str, Any] = {"agent": agent_id, "date": date.isoformat(), "shift": shift_id}
    if shift_type is None:
        data.update(start=f"{date}T00:00", end=f"{date}T00:00", breaks=breaks or [])
    else:
        start = dt.datetime.combine(date, shift_type.start)
        end = start + dt.timedelta(minutes=shift_type.duration_minutes)
        rules = prob.rules.breaks
        if breaks is None:
            breaks = (
                auto_breaks(
                    start, shift_type.duration_minutes, rules.meal_minutes, rules.rest_minutes
                )
                if prob.breaks_due(shift_type)
                else []
            )
        data.update(
            start=start.isoformat(timespec="minutes"),
            end=end.isoformat(timespec="minutes"),
            breaks=breaks,
        )
    data.update(fields)
    return data


def at(day_index: int, clock: str) -> str:
    """``YYYY-MM-DDTHH:MM`` on horizon day ``day_index``."""
    return f"{day(day_index)}T{clock}"


def brk(kind: str, day_index: int, clock: str, minutes: int = 30) -> dict[str, Any]:
    return {"kind": kind, "start": at(day_index, clock), "minutes": minutes}


def roster(assignments: list[Mapping[str, Any]] | tuple[Assignment, ...], **fields: Any) -> Roster:
    data: dict[str, Any] = {
        "problem": "tiny",
        "status": "FEASIBLE",
        "objective": 0,
        "assignments": list(assignments),
    }
    data.update(fields)
    return Roster.model_validate(data)


def solved(prob: RosterProblem, assignments: list[Mapping[str, Any]]) -> Roster:
    """A roster whose objective, penalties and coverage are filled in the way a solver would."""
    report = check_roster(prob, roster(assignments, problem=prob.name))
    return roster(
        assignments,
        problem=prob.name,
        objective=report.objective,
        penalties=[term.to_dict() for term in report.penalties],
        coverage=[
            {
                "start": line.start.isoformat(timespec="minutes"),
                "required": line.required,
                "on_phones": float(line.on_phones),
            }
            for line in report.coverage
        ],
    )


@dataclass(frozen=True)
class _Given:
    rule: str
    report: CheckReport

    def violates(self, count: int) -> CheckReport:
        """Exactly ``count`` violations of the rule, and no other hard rule broken."""
        found = self.report.violations_of(self.rule)
        others = [str(v) for v in self.report.violations if v.rule != self.rule]
        assert len(found) == count, [str(v) for v in found]
        assert not others, others
        return self.report

    def penalizes(self, amount: int) -> CheckReport:
        """The rule's penalty lines sum to ``amount``, and no hard rule is broken."""
        assert self.report.penalty_of(self.rule) == amount, self.report.penalties
        assert self.report.ok, [str(v) for v in self.report.violations]
        return self.report


@dataclass(frozen=True)
class verify:  # lower case: reads as a phrase, verify(rule).given(...).violates(n)
    rule: str

    def given(self, prob: RosterProblem, assignments: list[Mapping[str, Any]]) -> _Given:
        return _Given(self.rule, check_roster(prob, roster(assignments)))
