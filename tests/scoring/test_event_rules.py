"""One test per event rule (R5-R7, P1-P14, S1-S11, G1-G13): it fires, by how much, with what.

Agent A1 alone: base 70.00 (quality 50, exam 50, calls = median, no training required) and,
with the events-only table, no computed rewards, so the final score is 70 +- the event.
"""

from decimal import Decimal

import pytest

from scoring import LineItem
from tests.scoring.factories import EVENT_CODES, EVENTS_ONLY, TABLE, day, ev, one
from tests.scoring.regulations import REGULATIONS_POINTS

D70 = Decimal(70)


def test_baseline_without_events() -> None:
    s = one(rules=EVENTS_ONLY)
    assert (s.base_score, s.final_score, s.reward_points, s.penalty_points) == (D70, D70, 0, 0)
    assert s.explanation == "" and s.line_items == ()


@pytest.mark.parametrize("code", EVENT_CODES)
def test_event_rule_fires_with_its_table_effects(code: str) -> None:
    rule = TABLE.rules[code]
    s = one(events=[ev(code, on="2026-08-14", event_id="E9")], rules=EVENTS_ONLY)
    signed = REGULATIONS_POINTS[code]
    assert s.line_items == (
        LineItem(code, rule.article, signed, rule.effects, "2026-08-14", day("2026-08-14"), "E9"),
    )
    assert s.reward_points == max(signed, 0)
    assert s.penalty_points == max(-signed, 0)
    assert s.zeroed == ("zero" in rule.effects)
    assert s.final_score == (0 if s.zeroed else 70 + signed)
    assert s.disqualified_annual == ("disqualify" in rule.effects)
    assert s.termination_review == ("flag" in rule.effects)
    sign = "+" if signed > 0 else ""
    assert s.explanation.startswith(f"{code} 2026-08-14 {sign}{signed} art.{rule.article}")


@pytest.mark.parametrize(
    ("code", "final", "explanation"),
    [
        ("R5", 80, "R5 2026-07-03 +10 art.104"),
        ("R6", 75, "R6 2026-07-03 +5 art.104"),
        ("R7", 75, "R7 2026-07-03 +5 art.104"),
        ("P1", 68, "P1 2026-07-03 -2 art.105"),
        ("P2", 69, "P2 2026-07-03 -1 art.105"),
        ("P14", 68, "P14 2026-07-03 -2 art.105"),
        ("S1", 65, "S1 2026-07-03 -5 art.106 disqualify"),
        ("S3", 60, "S3 2026-07-03 -10 art.106 disqualify"),
        ("S11", 60, "S11 2026-07-03 -10 art.106 disqualify"),
        ("G1", 70, "G1 2026-07-03 0 art.107 flag"),
        ("G5", 0, "G5 2026-07-03 0 art.107 zero"),
        ("G6", 0, "G6 2026-07-03 0 art.107 zero,flag"),
        ("G8", 50, "G8 2026-07-03 -20 art.107 flag"),
        ("G11", 60, "G11 2026-07-03 -10 art.107"),
        ("G12", 50, "G12 2026-07-03 -20 art.107 flag"),
        ("G13", 0, "G13 2026-07-03 0 art.107 zero,flag"),
    ],
)
def test_concrete_points(code: str, final: int, explanation: str) -> None:
    s = one(events=[ev(code)], rules=EVENTS_ONLY)
    assert (s.final_score, s.explanation) == (Decimal(final), explanation)


@pytest.mark.parametrize(
    ("code", "zeroed", "disqualified", "review"),
    [
        ("P3", False, False, False),
        ("S6", False, True, False),
        ("G2", False, False, True),
        ("G3", False, False, True),
        ("G4", False, False, True),
        ("G5", True, False, False),
        ("G7", False, False, True),
        ("G9", False, False, True),
        ("G10", True, False, True),
        ("G11", False, False, False),
    ],
)
def test_concrete_outcomes(code: str, zeroed: bool, disqualified: bool, review: bool) -> None:
    s = one(events=[ev(code)], rules=EVENTS_ONLY)
    assert (s.zeroed, s.disqualified_annual, s.termination_review) == (
        zeroed,
        disqualified,
        review,
    )


def test_penalties_are_per_occurrence() -> None:
    s = one(events=[ev("P1", event_id="E1"), ev("P1", event_id="E2")], rules=EVENTS_ONLY)
    assert (s.penalty_points, s.final_score) == (4, Decimal(66))
    assert [i.event_id for i in s.line_items] == ["E1", "E2"]
