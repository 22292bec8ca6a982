import math
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from scheduler.demand import (
    StaffingInfeasibleError,
    StaffingInputError,
    StaffingTargets,
    agents_needed,
    erlang_a_metrics,
    erlang_c_metrics,
    scheduled_agents,
)

EIGHTY_TWENTY = StaffingTargets(service_level=0.8, answer_seconds=20)


def test_reference_interval_needs_14_agents_and_20_scheduled_at_30_percent_shrinkage() -> None:
    targets = StaffingTargets(service_level=0.8, answer_seconds=20, shrinkage=0.3)
    result = agents_needed([100], 180, targets, interval_minutes=30)
    assert result.agents.tolist() == [14]
    assert result.scheduled_agents.tolist() == [20]
    assert round(float(result.service_level[0]), 4) == 0.8884
    assert round(float(result.asa_seconds[0]), 2) == 7.84
    assert float(result.occupancy[0]) == pytest.approx(10 / 14)
    assert math.isnan(float(result.abandon_rate[0]))


@pytest.mark.parametrize("shrinkage", [0.3, "0.3", Decimal("0.30")])
def test_scheduled_agents_are_exact(shrinkage: float | str | Decimal) -> None:
    assert 161 / (1 - 0.3) > 230  # naive float division would round up to 231
    assert scheduled_agents(161, shrinkage) == 230
    assert scheduled_agents(0, shrinkage) == 0
    assert scheduled_agents(14, shrinkage) == 20


def test_zero_calls_need_no_agents() -> None:
    result = agents_needed([0, 100, 0.0], [0, 180, 180], EIGHTY_TWENTY)
    assert result.agents.tolist() == [0, 14, 0]
    assert result.scheduled_agents.tolist() == [0, 14, 0]
    assert result.service_level[0] == 1.0 and result.asa_seconds[0] == 0.0
    assert result.occupancy[0] == 0.0


def test_an_occupancy_exactly_at_the_cap_meets_it() -> None:
    # 76.5 calls x 180 s / 1800 s = 7.65 Erlangs; 7.65 / 9 is 0.8500000000000001 in floats.
    load = 76.5 * 180 / 1800
    assert load / 9 > 0.85
    targets = StaffingTargets(service_level=0.01, answer_seconds=20, max_occupancy=0.85)
    result = agents_needed([76.5], 180, targets)
    assert result.agents.tolist() == [9]
    assert float(result.occupancy[0]) == pytest.approx(0.85)
    erlang_a = agents_needed(
        [76.5], 180, StaffingTargets(0.01, 20, max_occupancy=0.85, patience_seconds=1e9)
    )
    assert erlang_a.agents.tolist() == [9]


def test_an_asa_cap_can_bind() -> None:
    targets = StaffingTargets(service_level=0.8, answer_seconds=20, max_asa_seconds=5)
    result = agents_needed([100], 180, targets)
    assert float(result.asa_seconds[0]) <= 5
    assert float(erlang_c_metrics(result.agents[0] - 1, 10.0, 180, 20).asa_seconds) > 5


def test_erlang_c_needs_more_agents_than_the_load() -> None:
    targets = StaffingTargets(service_level=0.0, answer_seconds=20)
    assert agents_needed([100, 101], 180, targets).agents.tolist() == [11, 11]


@pytest.mark.parametrize(
    "targets",
    [
        StaffingTargets(service_level=1.0, answer_seconds=20),
        StaffingTargets(service_level=0.8, answer_seconds=20, max_asa_seconds=0),
        StaffingTargets(service_level=1.0, answer_seconds=20, patience_seconds=60),
    ],
)
def test_unreachable_targets_raise_naming_the_interval(targets: StaffingTargets) -> None:
    with pytest.raises(StaffingInfeasibleError, match="09:30") as caught:
        agents_needed([0, 40], 180, targets, labels=["09:00", "09:30"])
    assert caught.value.interval == "09:30"


@pytest.mark.parametrize(
    ("calls", "aht", "message"),
    [([-1.0], 180.0, "interval #0: calls"), ([5.0, math.nan], 180.0, "interval #1: calls"),
     ([5.0], 0.0, "interval #0: aht_seconds")],
)
def test_bad_intervals_are_named(calls: list[float], aht: float, message: str) -> None:
    with pytest.raises(StaffingInputError, match=message):
        agents_needed(calls, aht, EIGHTY_TWENTY)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"service_level": 1.2},
        {"answer_seconds": -1},
        {"max_occupancy": 0},
        {"shrinkage": 1},
        {"shrinkage": "abc"},
        {"patience_seconds": 0},
    ],
)
def test_bad_targets_are_refused(kwargs: dict[str, object]) -> None:
    values: dict[str, object] = {"service_level": 0.8, "answer_seconds": 20}
    values.update(kwargs)
    with pytest.raises(StaffingInputError):
        StaffingTargets(**values)  # type: ignore[arg-type]


def test_large_loads_are_staffed_without_overflow() -> None:
    calls = np.array([29_400.0, 1.0, 0.0])  # 4,900 Erlangs at AHT 300 s in 30 min
    result = agents_needed(calls, 300, StaffingTargets(0.8, 20, shrinkage="0.35"))
    assert 4_900 < result.agents[0] < 5_000
    assert result.service_level[0] >= 0.8
    below = erlang_c_metrics(result.agents[0] - 1, 4_900.0, 300, 20)
    assert float(below.service_level) < 0.8
    erlang_a = agents_needed(calls[:1], 300, StaffingTargets(0.8, 20, patience_seconds=120))
    assert 0 < erlang_a.agents[0] <= result.agents[0]


@settings(max_examples=50, deadline=None)
@given(
    calls=st.floats(min_value=0.5, max_value=3_000),
    aht=st.floats(min_value=30, max_value=900),
    service_level=st.floats(min_value=0.0, max_value=0.99),
    answer=st.floats(min_value=0, max_value=120),
    occupancy=st.floats(min_value=0.5, max_value=1.0),
)
def test_erlang_c_agents_are_the_fewest_meeting_every_target(
    calls: float, aht: float, service_level: float, answer: float, occupancy: float
) -> None:
    targets = StaffingTargets(service_level, answer, max_occupancy=occupancy)
    n = int(agents_needed([calls], aht, targets).agents[0])
    load = calls * aht / 1800

    def meets(servers: int) -> bool:
        m = erlang_c_metrics(servers, load, aht, answer)
        return bool(
            m.service_level >= service_level * (1 - 1e-9)
            and m.occupancy <= occupancy * (1 + 1e-9)
        )

    assert n > load and meets(n)
    assert n - 1 <= load or not meets(n - 1)


@settings(max_examples=40, deadline=None)
@given(
    calls=st.floats(min_value=0.5, max_value=1_000),
    aht=st.floats(min_value=60, max_value=600),
    service_level=st.floats(min_value=0.05, max_value=0.99),
    answer=st.floats(min_value=0, max_value=60),
    patience=st.floats(min_value=5, max_value=1_200),
)
def test_erlang_a_agents_are_the_fewest_meeting_the_target(
    calls: float, aht: float, service_level: float, answer: float, patience: float
) -> None:
    targets = StaffingTargets(service_level, answer, patience_seconds=patience)
    result = agents_needed([calls], aht, targets)
    n = int(result.agents[0])
    load = calls * aht / 1800
    assert n >= 1 and result.service_level[0] >= service_level * (1 - 1e-9)
    if n > 1:
        below = erlang_a_metrics(n - 1, load, aht, answer, patience)
        assert float(below.service_level) < service_level * (1 - 1e-9)


@settings(max_examples=40, deadline=None)
@given(
    calls=st.floats(min_value=1, max_value=2_000),
    aht=st.floats(min_value=120, max_value=600),
    service_level=st.floats(min_value=0.5, max_value=0.9),
    answer=st.floats(min_value=5, max_value=20),
    patience=st.floats(min_value=30, max_value=600),
)
def test_callers_who_hang_up_never_raise_the_agents_needed(
    calls: float, aht: float, service_level: float, answer: float, patience: float
) -> None:
    # Holds for short answer times (the usual 20 s targets); see the next test for why not
    # in general.
    erlang_c = agents_needed([calls], aht, StaffingTargets(service_level, answer))
    erlang_a = agents_needed(
        [calls], aht, StaffingTargets(service_level, answer, patience_seconds=patience)
    )
    assert erlang_a.agents[0] <= erlang_c.agents[0]
    assert 0 < erlang_a.abandon_rate[0] < 1


def test_abandoned_calls_count_against_a_long_answer_time() -> None:
    # With a 600 s answer time Erlang C barely needs more than the load, but callers with
    # 60 s patience hang up long before 600 s and count as not answered within it.
    erlang_c = agents_needed([100], 180, StaffingTargets(0.95, 600))
    erlang_a = agents_needed([100], 180, StaffingTargets(0.95, 600, patience_seconds=60))
    assert erlang_c.agents.tolist() == [11]
    assert erlang_a.agents[0] > erlang_c.agents[0]


@settings(max_examples=40, deadline=None)
@given(
    intervals=st.lists(
        st.tuples(
            st.one_of(st.just(0.0), st.floats(min_value=0.01, max_value=2_000)),
            st.floats(min_value=30, max_value=900),
        ),
        min_size=1,
        max_size=60,
    ),
    service_level=st.floats(min_value=0.0, max_value=0.99),
    answer=st.floats(min_value=0, max_value=60),
    occupancy=st.floats(min_value=0.5, max_value=1.0),
    asa=st.one_of(st.none(), st.floats(min_value=1, max_value=120)),
)
def test_many_intervals_at_once_give_each_interval_its_own_answer(
    intervals: list[tuple[float, float]],
    service_level: float,
    answer: float,
    occupancy: float,
    asa: float | None,
) -> None:
    """The scan over all intervals (sorted, with answered ones dropped) equals interval by
    interval, and each answer is the fewest agents meeting every target."""
    targets = StaffingTargets(service_level, answer, max_asa_seconds=asa, max_occupancy=occupancy)
    calls = [c for c, _ in intervals]
    aht = [a for _, a in intervals]
    together = agents_needed(calls, aht, targets)
    for i, (c, a) in enumerate(intervals):
        alone = agents_needed([c], a, targets)
        assert together.agents[i] == alone.agents[0]
        assert together.service_level[i] == pytest.approx(alone.service_level[0], abs=1e-12)
        if c == 0:
            assert together.agents[i] == 0
            continue
        load = c * a / 1800
        n = int(together.agents[i])

        def meets(servers: int, load: float = load, a: float = a) -> bool:
            m = erlang_c_metrics(servers, load, a, answer)
            return bool(
                m.service_level >= service_level * (1 - 1e-9)
                and m.occupancy <= occupancy * (1 + 1e-9)
                and (asa is None or m.asa_seconds <= asa * (1 + 1e-9))
            )

        assert n > load and meets(n)
        assert n - 1 <= load or not meets(n - 1)


def test_vanishing_loads_need_one_agent() -> None:
    calls = np.array([5e-313, 1e-300, 1e-9])  # a subnormal load overflows 1 / A
    result = agents_needed(calls, 30, EIGHTY_TWENTY)
    assert result.agents.tolist() == [1, 1, 1]
    assert np.all(result.service_level <= 1) and np.all(result.service_level > 0.99)
