"""Caller patience: Kaplan-Meier and the exponential MLE on hand-checked examples."""

import math

import pytest

from scheduler.demand import StaffingInputError, exponential_patience, kaplan_meier


def test_kaplan_meier_on_a_hand_example() -> None:
    # Waits 10 (hung up), 20 (answered), 30 (hung up), 30 (answered), 50 (hung up).
    # t=10: 5 at risk, 1 event -> 4/5; t=30: 3 at risk, 1 event -> 4/5 * 2/3 = 8/15;
    # t=50: 1 at risk, 1 event -> 0.  Answered callers only leave the risk set.
    km = kaplan_meier([10, 20, 30, 30, 50], [True, False, True, False, True])
    assert km.times.tolist() == [10, 30, 50]
    assert km.at_risk.tolist() == [5, 3, 1]
    assert km.survival.tolist() == pytest.approx([0.8, 8 / 15, 0.0])
    assert km.at(5) == 1.0 and km.at(29) == pytest.approx(0.8)
    assert km.median == 50  # 8/15 is still above one half at t=30
    # Area: 10 * 1 + 20 * 0.8 + 20 * 8/15 up to 50.
    assert km.restricted_mean(50) == pytest.approx(10 + 16 + 160 / 15)


def test_exponential_patience_is_total_wait_over_abandons() -> None:
    assert exponential_patience([10, 20, 30, 30, 50], [1, 0, 1, 0, 1]) == pytest.approx(140 / 3)
    assert math.isinf(exponential_patience([5, 6], [False, False]))


def test_no_abandons_give_an_empty_curve_and_bad_input_is_refused() -> None:
    km = kaplan_meier([1, 2], [False, False])
    assert km.times.size == 0 and math.isnan(km.median) and km.at(100) == 1.0
    with pytest.raises(StaffingInputError):
        kaplan_meier([1, -2], [True, True])
    with pytest.raises(StaffingInputError):
        kaplan_meier([1, 2], [True])
