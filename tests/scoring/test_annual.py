"""Annual excellence (art. 104 R8): mean of quarters, art. 106 bar, capped nominations, ties."""

from decimal import Decimal

import pytest

from scoring import (
    YEAR_FIELDS,
    QuarterResult,
    ScoringInputError,
    UnknownEventCodeError,
    YearScore,
    nominee_count,
    score_year,
)
from tests.scoring.factories import TABLE, ev, kpi, score, stored


def year(*scores: QuarterResult, headcount: int = 10, **kwargs: object) -> dict[str, YearScore]:
    rows = score_year(2026, scores, headcount=headcount, rules=TABLE, **kwargs)  # type: ignore[arg-type]
    return {r.agent_id: r for r in rows}


def flat(agents_means: dict[str, str], headcount: int) -> dict[str, YearScore]:
    return year(*(stored(a, 1, m) for a, m in agents_means.items()), headcount=headcount)


@pytest.mark.parametrize(
    ("headcount", "nominees"),
    [
        (0, 1),
        (1, 1),
        (6, 1),
        (7, 1),
        (10, 1),
        (13, 1),
        (14, 2),
        (19, 2),
        (20, 3),
        (21, 3),
        (500, 3),
    ],
)
def test_nominee_cap(headcount: int, nominees: int) -> None:
    assert nominee_count(headcount) == nominees


def test_nominee_cap_refuses_negative_headcount() -> None:
    with pytest.raises(ScoringInputError):
        nominee_count(-1)


def test_mean_of_scored_quarters_rounded_half_up() -> None:
    y = year(stored("A1", 1, "70.00"), stored("A1", 2, "70.01"), stored("A2", 3, "80.00"))
    assert (y["A1"].quarters_scored, y["A1"].mean_final_score) == (2, Decimal("70.01"))  # 70.005
    assert (y["A2"].quarters_scored, y["A2"].mean_final_score) == (1, Decimal("80.00"))
    assert y["A1"].explanation.startswith("Q1 70.00;Q2 70.01;mean 70.01;rank 2 of 2")


def test_ten_agents_one_nominee() -> None:
    y = flat({f"A{i}": f"{90 - i}.00" for i in range(10)}, headcount=10)
    assert [a for a, r in y.items() if r.nominated] == ["A0"]
    assert y["A0"].rank == 1 and y["A9"].rank == 10
    assert "R8 nominated art.104 (1 of headcount 10)" in y["A0"].explanation


def test_twenty_agents_three_nominees() -> None:
    y = flat({f"A{i:02}": f"{90 - i}.00" for i in range(20)}, headcount=20)
    assert sorted(a for a, r in y.items() if r.nominated) == ["A00", "A01", "A02"]
    assert not any(r.tie_at_cut for r in y.values())


@pytest.mark.parametrize(("headcount", "nominees"), [(12, 1), (30, 3)])
def test_fifteen_percent_cap_at_12_and_30_agents(headcount: int, nominees: int) -> None:
    # 15 % of 12 is 1.8 -> 1 nominee; 15 % of 30 is 4.5 -> 4, capped at the top three.
    y = flat({f"A{i:02}": f"{95 - i}.00" for i in range(headcount)}, headcount=headcount)
    assert sorted(a for a, r in y.items() if r.nominated) == [f"A{i:02}" for i in range(nominees)]


def test_seven_agents_one_nominee() -> None:
    y = flat({f"A{i}": f"{90 - i}.00" for i in range(7)}, headcount=7)
    assert sum(r.nominated for r in y.values()) == 1


def test_tie_at_the_cut_nominates_all_and_flags_them() -> None:
    y = flat({"A1": "90.00", "A2": "90.00", "A3": "80.00"}, headcount=10)
    assert [(r.rank, r.nominated, r.tie_at_cut) for r in y.values()] == [
        (1, True, True),
        (1, True, True),
        (3, False, False),
    ]
    assert y["A1"].explanation.endswith("tie at cut: HR to decide")


def test_tie_below_the_top_at_the_cut() -> None:
    y = flat({"A1": "95", "A2": "90", "A3": "85", "A4": "85", "A5": "80"}, headcount=20)
    assert {a: (r.rank, r.nominated, r.tie_at_cut) for a, r in y.items()} == {
        "A1": (1, True, False),
        "A2": (2, True, False),
        "A3": (3, True, True),
        "A4": (3, True, True),
        "A5": (5, False, False),
    }


def test_tie_inside_the_cut_is_no_tie_at_the_cut() -> None:
    y = flat({"A1": "90", "A2": "90", "A3": "90", "A4": "80"}, headcount=20)
    assert [(r.rank, r.nominated, r.tie_at_cut) for r in y.values()] == [
        (1, True, False),
        (1, True, False),
        (1, True, False),
        (4, False, False),
    ]


def test_s_event_bars_the_best_agent_and_the_next_is_nominated() -> None:
    q = score(kpi("A1", quality=100), kpi("A2", quality=60), events=[ev("S3", agent="A1")])
    y = year(*q.values(), headcount=10)
    assert q["A1"].final_score > q["A2"].final_score
    assert (y["A1"].disqualified_annual, y["A1"].rank, y["A1"].nominated) == (True, None, False)
    assert (y["A2"].rank, y["A2"].nominated) == (1, True)
    assert y["A1"].explanation.endswith("disqualified: S3 2026-07-03 art.106")
    assert list(y) == ["A2", "A1"]  # ranked agents first


def test_s_event_of_an_unscored_quarter_still_bars() -> None:
    y = year(stored("A1", 1, "90"), stored("A2", 1, "80"), events=[ev("S1", on="2026-11-02")])
    assert y["A1"].disqualified_annual and y["A2"].nominated


def test_stored_disqualified_flag_bars_without_events() -> None:
    y = year(stored("A1", 1, "90"), stored("A1", 2, "90", disq=True))
    assert y["A1"].disqualified_annual
    assert y["A1"].explanation.endswith("disqualified: flagged in Q2")


def test_other_years_and_non_disqualifying_events_are_ignored() -> None:
    y = year(
        stored("A1", 1, "90"),
        stored("A1", 1, "10", year=2025),
        events=[ev("S1", on="2025-12-31"), ev("G11", on="2026-03-01")],
    )
    assert (y["A1"].mean_final_score, y["A1"].disqualified_annual) == (Decimal(90), False)


def test_unknown_event_code_in_the_year_raises() -> None:
    with pytest.raises(UnknownEventCodeError):
        year(stored("A1", 1, "90"), events=[ev("X1", on="2026-03-01")])


def test_duplicate_quarter_refused() -> None:
    with pytest.raises(ScoringInputError, match="two scores"):
        year(stored("A1", 1, "90"), stored("A1", 1, "80"))


def test_year_row_columns_and_determinism() -> None:
    scores = [stored("A2", 1, "80"), stored("A1", 1, "90"), stored("A3", 2, "85")]
    first = score_year(2026, scores, headcount=20, rules=TABLE)
    assert first == score_year(2026, list(reversed(scores)), headcount=20, rules=TABLE)
    assert tuple(first[0].as_row()) == YEAR_FIELDS
    assert first[0].rule_table_version == "2026.1"
