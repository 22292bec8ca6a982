"""Final score, outcomes, art. 27 standby training, input checks, explanations, determinism."""

import datetime as dt
import random
from decimal import Decimal

import pytest
from hypothesis import given, settings, strategies as st

from scoring import (
    QUARTER_FIELDS,
    AttendanceMark,
    Employment,
    QuarterKpi,
    ScoringEvent,
    ScoringInputError,
    ScoringSettings,
    UnknownEventCodeError,
    score_quarter,
)
from tests.scoring.factories import (
    EVENT_CODES,
    EVENTS_ONLY,
    TABLE,
    ev,
    job,
    kpi,
    mark,
    one,
    points,
    score,
)

# ---------------------------------------------------------------------------- final score


def test_final_is_base_plus_rewards_minus_penalties() -> None:
    s = one(events=[ev("R6"), ev("P1"), ev("G11")])
    # base 70; R1 3 + R2 5 + R3 5 + R4 10 + R6 5 = 28; P1 2 + G11 10 = 12
    assert (s.base_score, s.reward_points, s.penalty_points) == (Decimal(70), 28, 12)
    assert s.final_score == Decimal("86.00")


def test_60_00_passes() -> None:
    s = one(kpi(quality=50, exam=0), rules=EVENTS_ONLY)
    assert (s.final_score, s.failed) == (Decimal("60.00"), False)


def test_59_99_fails() -> None:
    s = one(kpi(quality=49.975, exam=0), rules=EVENTS_ONLY)
    assert (s.final_score, s.failed) == (Decimal("59.99"), True)


def test_pass_mark_is_a_setting() -> None:
    assert one(rules=EVENTS_ONLY, settings=ScoringSettings(pass_mark=70.01)).failed
    assert not one(rules=EVENTS_ONLY, settings=ScoringSettings(pass_mark=70)).failed


def test_floor_at_zero_without_zeroing() -> None:
    # calls 0 -> median 0 -> productivity 0; base 0 + 0 + 0 + 10 = 10; -12
    s = one(kpi(quality=0, exam=0, calls=0), events=[ev("S3"), ev("P1")], rules=EVENTS_ONLY)
    assert (s.base_score, s.penalty_points, s.final_score) == (Decimal(10), 12, Decimal("0.00"))
    assert not s.zeroed and s.failed


def test_zeroing_event_overrides_rewards() -> None:
    s = one(kpi(quality=100, exam=100), events=[ev("R5"), ev("G5", on="2026-09-30")])
    assert s.reward_points == 3 + 5 + 5 + 10 + 10  # still reported, every point traceable
    assert (s.final_score, s.zeroed, s.failed) == (Decimal(0), True, True)
    assert s.explanation.endswith("G5 2026-09-30 0 art.107 zero")


def test_zeroed_agent_stays_in_median_and_rankings() -> None:
    s = score(
        kpi("A1", calls=400, exam=95, quality=95),
        kpi("A2", calls=100, exam=90, quality=90),
        kpi("A3", calls=200, exam=10, quality=10),
        events=[ev("G10", agent="A1")],
    )
    assert s["A1"].zeroed and s["A1"].final_score == 0
    assert points(s["A1"], "R2") == 5 and points(s["A2"], "R2") == 0  # not passed on
    assert points(s["A1"], "R3") == 5 and points(s["A2"], "R3") == 0
    assert (points(s["A1"], "R4"), points(s["A2"], "R4")) == (10, 6)
    # median 200 includes A1: A2 answers 50 % of it -> 0.3 * 50 = 15
    assert s["A2"].base_score == Decimal("0.4") * 90 + Decimal("0.2") * 90 + 15 + 10


def test_effects_come_from_the_table() -> None:
    from dataclasses import replace

    p1 = replace(TABLE.rules["P1"], effects=("deduct", "zero", "flag"))
    table = replace(TABLE, rules={**TABLE.rules, "P1": p1})
    s = one(events=[ev("P1")], rules=table)
    assert (s.zeroed, s.termination_review, s.final_score) == (True, True, Decimal(0))


def test_output_row_has_exactly_the_interface_columns() -> None:
    s = one()
    assert tuple(s.as_row()) == QUARTER_FIELDS
    assert s.rule_table_version == TABLE.version == "2026.1"
    assert (s.year, s.quarter) == (2026, 3)


# ---------------------------------------------------------------------------- art. 27


def failing(before: int) -> tuple[bool, int]:
    s = one(kpi(quality=0, exam=0), rules=EVENTS_ONLY, failed_before={"A1": before})
    return s.standby_training, s.failed_quarters


def test_standby_training_on_third_failed_quarter_then_restart() -> None:
    assert failing(0) == (False, 1)
    assert failing(1) == (False, 2)
    assert failing(2) == (True, 0)


def test_standby_counter_over_quarters() -> None:
    count, flags = 0, []
    for passed in (False, True, False, False, False):  # 1, 1, 2, 3 -> standby, 1
        quality = 100 if passed else 0
        s = one(kpi(quality=quality, exam=0), rules=EVENTS_ONLY, failed_before={"A1": count})
        count = s.failed_quarters
        flags.append((s.failed, s.standby_training, count))
    assert flags == [
        (True, False, 1),
        (False, False, 1),
        (True, False, 2),
        (True, True, 0),
        (True, False, 1),
    ]


def test_passing_quarter_keeps_the_count() -> None:
    s = one(rules=EVENTS_ONLY, failed_before={"A1": 2})
    assert (s.failed, s.standby_training, s.failed_quarters) == (False, False, 2)


def test_standby_threshold_is_a_setting() -> None:
    s = one(
        kpi(quality=0, exam=0),
        rules=EVENTS_ONLY,
        settings=ScoringSettings(standby_after_failed_quarters=1),
    )
    assert s.standby_training


# ---------------------------------------------------------------------------- scope and errors


def test_events_outside_the_quarter_are_ignored() -> None:
    s = one(
        events=[ev("P1", on="2026-06-30"), ev("G5", on="2026-10-01"), ev("NOPE", on="2025-08-01")]
    )
    assert s.line_items == one().line_items and not s.zeroed


def test_unknown_event_code_names_event_and_code() -> None:
    with pytest.raises(UnknownEventCodeError, match="'E7'.*'P99'") as info:
        one(events=[ev("P99", event_id="E7")])
    assert (info.value.event_id, info.value.code) == ("E7", "P99")


@pytest.mark.parametrize("code", ["R1", "R4", "R8", "p1", ""])
def test_computed_or_malformed_codes_are_not_event_codes(code: str) -> None:
    with pytest.raises(UnknownEventCodeError):
        one(events=[ev(code)])


def test_attendance_mark_must_be_a_mark_code() -> None:
    with pytest.raises(ScoringInputError, match="'P1' is not a mark"):
        one(marks=[mark("P1")])


def test_events_of_unscored_agents_and_other_quarters_kpis_are_ignored() -> None:
    s = score(kpi("A1"), kpi("A2", quarter=2), events=[ev("G5", agent="A2")], jobs=[job("A2")])
    assert list(s) == ["A1"]


def test_no_kpi_rows_no_scores() -> None:
    assert score_quarter(2026, 3, employments=[], kpis=[], rules=TABLE) == ()


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([kpi(), kpi()], "duplicate KPI row"),
        ([kpi(quality=100.01)], "quality_score must be within 0-100"),
        ([kpi(exam=-1)], "exam_score must be within 0-100"),
        ([kpi(calls=-1)], "calls_answered must be >= 0"),
        ([kpi(required=-1)], "training figures"),
        ([kpi(quality=float("nan"))], "not a finite number"),
    ],
)
def test_bad_kpi_rows(rows: list[QuarterKpi], message: str) -> None:
    with pytest.raises(ScoringInputError, match=message):
        score(*rows)


def test_kpi_row_needs_an_agent() -> None:
    with pytest.raises(ScoringInputError, match="not in the agents"):
        score_quarter(2026, 3, employments=[job("A2")], kpis=[kpi("A1")], rules=TABLE)


def test_duplicate_agents_and_bad_quarter() -> None:
    with pytest.raises(ScoringInputError, match="duplicate employment"):
        score(jobs=[job(), job()])
    with pytest.raises(ScoringInputError, match="quarter must be 1-4"):
        score(kpi(quarter=5), quarter=5)
    with pytest.raises(ScoringInputError, match="must be >= 0"):
        score(failed_before={"A1": -1})


# ---------------------------------------------------------------------------- explanations


def test_explanation_order_is_computed_then_by_date_table_order_and_id() -> None:
    events = [
        ev("G11", on="2026-08-01", event_id="E5"),
        ev("P1", on="2026-08-01", event_id="E4"),
        ev("P1", on="2026-08-01", event_id="E3"),
        ev("R6", on="2026-07-15", event_id="E9"),
    ]
    s = one(events=events, rules=EVENTS_ONLY)
    assert s.explanation == (
        "R6 2026-07-15 +5 art.104;P1 2026-08-01 -2 art.105;"
        "P1 2026-08-01 -2 art.105;G11 2026-08-01 -10 art.107"
    )
    assert [i.event_id for i in s.line_items] == ["E9", "E3", "E4", "E5"]


def test_every_point_is_traceable() -> None:
    s = one(events=[ev("R6"), ev("P1"), ev("S1")])
    assert s.reward_points == sum(i.points for i in s.line_items if i.points > 0)
    assert s.penalty_points == -sum(i.points for i in s.line_items if i.points < 0)
    assert s.explanation.split(";") == [i.describe() for i in s.line_items]
    assert all(i.event_id for i in s.line_items if i.code in EVENT_CODES)


# ---------------------------------------------------------------------------- determinism

QUARTER_DAYS = st.dates(dt.date(2026, 6, 20), dt.date(2026, 10, 10))
AGENT_IDS = [f"A{i}" for i in range(6)]
CODES = EVENT_CODES + sorted(TABLE.marks)


@st.composite
def quarters(
    draw: st.DrawFn,
) -> tuple[list[Employment], list[QuarterKpi], list[ScoringEvent], list[AttendanceMark]]:
    agents = draw(st.lists(st.sampled_from(AGENT_IDS), min_size=1, max_size=6, unique=True))
    jobs = [
        Employment(a, draw(st.dates(dt.date(2026, 1, 1), dt.date(2026, 9, 30))), None)
        for a in agents
    ]
    scores = st.decimals(0, 100, places=3)
    kpis = [
        QuarterKpi(
            a,
            2026,
            3,
            draw(st.integers(0, 500)),
            draw(scores),
            draw(scores),
            draw(st.integers(0, 5)),
            draw(st.integers(0, 6)),
            draw(st.booleans()),
        )
        for a in agents
    ]
    events = [
        ScoringEvent(
            f"E{i}", draw(st.sampled_from(agents)), draw(QUARTER_DAYS), draw(st.sampled_from(CODES))
        )
        for i in range(draw(st.integers(0, 12)))
    ]
    marks = [
        AttendanceMark(
            draw(st.sampled_from(agents)),
            draw(QUARTER_DAYS),
            draw(st.sampled_from(["SICK", "PERSONAL", "SWAP"])),
        )
        for _ in range(draw(st.integers(0, 4)))
    ]
    return jobs, kpis, events, marks


@settings(max_examples=60, deadline=None)
@given(quarters(), st.randoms(use_true_random=False))
def test_same_inputs_same_outputs_in_any_order(
    data: tuple[list[Employment], list[QuarterKpi], list[ScoringEvent], list[AttendanceMark]],
    rnd: random.Random,
) -> None:
    jobs, kpis, events, marks = data
    first = score_quarter(
        2026, 3, employments=jobs, kpis=kpis, rules=TABLE, events=events, attendance_marks=marks
    )
    for rows in (jobs, kpis, events, marks):
        rnd.shuffle(rows)
    again = score_quarter(
        2026, 3, employments=jobs, kpis=kpis, rules=TABLE, events=events, attendance_marks=marks
    )
    assert first == again
    assert [s.agent_id for s in first] == sorted(k.agent_id for k in kpis)
    for s in first:
        assert 0 <= s.base_score <= 100 and s.final_score >= 0
        assert s.failed == (s.final_score < 60)
        assert not s.zeroed or s.final_score == 0
        if not s.zeroed:
            assert s.final_score == max(0, s.base_score + s.reward_points - s.penalty_points)
        in_quarter = {
            e.event_id
            for e in events
            if e.agent_id == s.agent_id and e.code in EVENT_CODES and e.date.month in (7, 8, 9)
        }
        assert {i.event_id for i in s.line_items if i.event_id} == in_quarter
        assert points(s, "R1") <= 3


def test_values_read_through_pandas_are_accepted() -> None:
    import numpy as np
    import pandas as pd

    row = kpi(calls=np.int64(100), quality=np.float64(50.0125), exam=0)  # type: ignore[arg-type]
    event = ScoringEvent("E1", "A1", pd.Timestamp("2026-07-03 09:30"), "P1")
    hired = Employment("A1", pd.Timestamp("2026-07-01"), None)
    s = one(row, events=[event], jobs=[hired], rules=EVENTS_ONLY)
    assert (s.base_score, s.explanation) == (Decimal("60.01"), "P1 2026-07-03 -2 art.105")
    assert points(one(row, jobs=[hired]), "R1") == 3
