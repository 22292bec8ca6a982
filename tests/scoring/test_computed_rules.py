"""Computed rewards of art. 104: R1 full attendance, R2 little bee, R3 quality star, R4 exam."""

from dataclasses import replace

import pytest

from scoring import RuleTable
from tests.scoring.factories import TABLE, ev, job, kpi, mark, one, points, score


def r1(**kwargs: object) -> int:
    return points(one(**kwargs), "R1")


# ---------------------------------------------------------------------------- R1


def test_r1_one_point_per_full_month() -> None:
    s = one()
    assert points(s, "R1") == 3
    assert s.explanation.startswith("R1 2026-07 +1 art.104;R1 2026-08 +1 art.104;R1 2026-09 +1")


@pytest.mark.parametrize(
    ("hired", "left", "months"),
    [
        ("2026-07-01", None, 3),  # hired on the 1st: July counts
        ("2026-07-02", None, 2),  # hired mid-July: only August and September
        ("2026-08-15", None, 1),
        ("2026-09-01", None, 1),
        ("2026-09-02", None, 0),
        (None, "2026-09-30", 3),  # left on the last day: employed to month end
        (None, "2026-09-29", 2),
        (None, "2026-08-31", 2),
        ("2026-08-01", "2026-08-31", 1),
    ],
)
def test_r1_only_months_employed_from_the_first_to_the_end(
    hired: str | None, left: str | None, months: int
) -> None:
    assert r1(jobs=[job(hired=hired, left=left)]) == months


@pytest.mark.parametrize("code", ["LATE", "EARLY", "SICK", "PERSONAL", "SWAP"])
def test_r1_blocked_by_a_mark_event_in_the_month(code: str) -> None:
    s = one(events=[ev(code, on="2026-08-31")])
    assert points(s, "R1") == 2
    assert "R1 2026-08" not in s.explanation
    assert code not in s.explanation  # marks carry no points and are not line items


@pytest.mark.parametrize("code", ["SICK", "PERSONAL", "SWAP"])
def test_r1_blocked_by_the_applications_approved_leave_and_swaps(code: str) -> None:
    assert r1(marks=[mark(code, on="2026-09-01")]) == 2


def test_r1_blocks_count_once_per_month_and_only_in_the_quarter() -> None:
    marks = [
        mark("SICK", on="2026-07-01"),
        mark("SWAP", on="2026-07-31"),
        mark("SICK", on="2026-10-01"),
    ]
    assert r1(marks=marks, events=[ev("LATE", on="2026-06-30")]) == 2


def test_r1_blocks_only_the_agent_marked() -> None:
    s = score(kpi("A1"), kpi("A2"), marks=[mark("SICK", agent="A2")])
    assert (points(s["A1"], "R1"), points(s["A2"], "R1")) == (3, 2)


def test_r1_penalty_events_do_not_block() -> None:
    assert r1(events=[ev("P1")]) == 3


# ---------------------------------------------------------------------------- R2


def r2(*rows: object) -> dict[str, int]:
    return {a: points(s, "R2") for a, s in score(*rows).items()}  # type: ignore[arg-type]


def test_r2_most_calls_gets_five() -> None:
    assert r2(kpi("A1", calls=300), kpi("A2", calls=200)) == {"A1": 5, "A2": 0}


def test_r2_ties_all_rewarded() -> None:
    assert r2(kpi("A1", calls=300), kpi("A2", calls=300), kpi("A3", calls=299)) == {
        "A1": 5,
        "A2": 5,
        "A3": 0,
    }


def test_r2_volume_bonus_excluded_and_not_passed_on() -> None:
    assert r2(kpi("A1", calls=300, bonus=True), kpi("A2", calls=200)) == {"A1": 0, "A2": 0}


def test_r2_volume_bonus_excludes_only_that_tied_agent() -> None:
    assert r2(kpi("A1", calls=300, bonus=True), kpi("A2", calls=300)) == {"A1": 0, "A2": 5}


def test_r2_nobody_when_no_calls_answered() -> None:
    assert r2(kpi("A1", calls=0), kpi("A2", calls=0)) == {"A1": 0, "A2": 0}


def test_r2_line_item_names_the_quarter() -> None:
    assert "R2 2026-Q3 +5 art.104" in one(kpi(calls=10)).explanation.split(";")


# ---------------------------------------------------------------------------- R3


def r3(*qualities: float) -> list[int]:
    s = score(*(kpi(f"A{i}", quality=q) for i, q in enumerate(qualities)))
    return [points(s[f"A{i}"], "R3") for i in range(len(qualities))]


def test_r3_best_quality_gets_five() -> None:
    assert r3(91.5, 91.4, 80) == [5, 0, 0]


def test_r3_ties_all_rewarded() -> None:
    assert r3(91.5, 91.5, 80) == [5, 5, 0]


# ---------------------------------------------------------------------------- R4


def r4(*exams: float, rules: RuleTable = TABLE) -> list[int]:
    s = score(*(kpi(f"A{i}", exam=e) for i, e in enumerate(exams)), rules=rules)
    return [points(s[f"A{i}"], "R4") for i in range(len(exams))]


def test_r4_ranks_one_two_three() -> None:
    assert r4(90, 80, 70, 60) == [10, 6, 3, 0]


def test_r4_two_firsts_no_second_1_1_3() -> None:
    assert r4(90, 90, 80, 70) == [10, 10, 3, 0]


def test_r4_two_seconds_no_third_1_2_2() -> None:
    assert r4(90, 80, 80, 70) == [10, 6, 6, 0]


def test_r4_three_firsts_then_nothing() -> None:
    assert r4(90, 90, 90, 80) == [10, 10, 10, 0]


def test_r4_rank_points_are_read_from_the_table() -> None:
    r4_rule = replace(TABLE.rules["R4"], rank_points=(10, 6, 3, 1))
    table = replace(TABLE, rules={**TABLE.rules, "R4": r4_rule})
    assert r4(90, 80, 70, 60, 50, rules=table) == [10, 6, 3, 1, 0]


def test_r4_line_item() -> None:
    s = score(kpi("A1", exam=90), kpi("A2", exam=80))
    assert "R4 2026-Q3 +6 art.104" in s["A2"].explanation.split(";")


def test_computed_rewards_use_the_tables_points() -> None:
    r1_rule = replace(TABLE.rules["R1"], points=2)
    table = replace(TABLE, rules={**TABLE.rules, "R1": r1_rule})
    assert points(one(rules=table), "R1") == 6
