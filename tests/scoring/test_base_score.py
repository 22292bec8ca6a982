"""Base score: 0.4 quality + 0.2 exam + 0.3 productivity vs median + 0.1 training, half-up."""

from decimal import Decimal

import pytest

from scoring import ScoringInputError, ScoringSettings, median_calls
from tests.scoring.factories import EVENTS_ONLY, kpi, one, score


def bases(*calls: int) -> list[Decimal]:
    s = score(*(kpi(f"A{i}", calls=c) for i, c in enumerate(calls)), rules=EVENTS_ONLY)
    return [s[f"A{i}"].base_score for i in range(len(calls))]


def test_base_formula() -> None:
    # 0.4*80 + 0.2*70 + 0.3*100 + 0.1*100
    assert one(kpi(quality=80, exam=70)).base_score == Decimal("86.00")


def test_productivity_against_odd_median() -> None:
    # median 200: 100 calls -> 50 -> 15 points; 400 calls capped at 100
    assert bases(100, 200, 400) == [Decimal("55.00"), Decimal("70.00"), Decimal("70.00")]


def test_productivity_against_even_median_is_mean_of_middle_two() -> None:
    # median (200 + 300) / 2 = 250: 100 -> 40 -> 12; 200 -> 80 -> 24
    assert bases(100, 200, 300, 400) == [Decimal(x) for x in ("52.00", "64.00", "70.00", "70.00")]
    assert median_calls([400, 100, 300, 200]) == 250
    assert median_calls([1, 2]) == Decimal("1.5")


def test_non_terminating_ratio_is_exact_enough() -> None:
    # 100/300 of the median -> 33.33..% -> 0.3 * 33.33.. = 10.00, not 9.99
    assert bases(100, 300, 300)[0] == Decimal("50.00")


def test_median_zero_gives_100_to_any_call_and_0_to_none() -> None:
    assert bases(0, 0, 5) == [Decimal("40.00"), Decimal("40.00"), Decimal("70.00")]
    assert bases(0) == [Decimal("40.00")]


@pytest.mark.parametrize(
    ("required", "attended", "base"),
    [
        (0, 0, "70.00"),  # nothing required -> 100
        (0, 3, "70.00"),
        (10, 5, "65.00"),
        (10, 10, "70.00"),
        (10, 12, "70.00"),  # extra training is capped at 100
        (3, 1, "63.33"),
    ],
)
def test_training_component(required: float, attended: float, base: str) -> None:
    assert one(kpi(required=required, attended=attended)).base_score == Decimal(base)


@pytest.mark.parametrize(
    ("quality", "base"),
    [
        (50.0125, "60.01"),  # 60.005 rounds half-up (float round() gives 60.0)
        (50.01, "60.00"),  # 60.004 rounds down
        (50.0375, "60.02"),  # 60.015 rounds half-up
        (88.3, "75.32"),  # floats are read as written
    ],
)
def test_rounding_half_up(quality: float, base: str) -> None:
    assert one(kpi(quality=quality, exam=0)).base_score == Decimal(base)


def test_custom_weights_accept_floats() -> None:
    settings = ScoringSettings(0.5, 0.1, 0.3, 0.1)
    assert one(kpi(quality=80, exam=70), settings=settings).base_score == Decimal("87.00")


@pytest.mark.parametrize(
    "weights", [(0.5, 0.2, 0.3, 0.1), (0.4, 0.2, 0.3, 0.0), (-0.1, 0.5, 0.5, 0.1)]
)
def test_weights_must_sum_to_one(weights: tuple[float, float, float, float]) -> None:
    with pytest.raises(ScoringInputError, match="sum to 1"):
        one(settings=ScoringSettings(*weights))
