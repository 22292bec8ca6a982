"""Agents needed per interval: the fewest agents on the phones meeting every target.

Erlang C by default; Erlang A when ``patience_seconds`` is given.  Service level, ASA and
occupancy are all monotone in the number of agents, so the fewest agents meeting every target
is found by a search: under Erlang C one vectorised upward scan over all intervals (the
Erlang B recursion must pass through every n anyway, so testing each n costs nothing extra);
under Erlang A an exponential-then-binary search per interval.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

import numpy as np
import numpy.typing as npt

from scheduler.demand._erlang import FloatArray, erlang_a_point, log_erlang_b_table
from scheduler.demand._errors import StaffingInfeasibleError, StaffingInputError

IntArray = npt.NDArray[np.int64]

#: Relative tolerance of every target comparison, so that float noise never flips a result
#: (a load at exactly 85 % occupancy meets an 85 % cap).
TARGET_TOLERANCE = 1e-9


@dataclass(frozen=True)
class StaffingTargets:
    """What every interval must achieve.

    ``service_level`` is the fraction of calls answered within ``answer_seconds``;
    ``max_asa_seconds`` optionally caps the average speed of answer; ``max_occupancy`` caps
    the share of time agents are busy; ``shrinkage`` (fraction of paid time off the phones)
    turns agents into scheduled agents and is kept exact (pass a ``str`` or ``Decimal`` to
    avoid any float doubt, a ``float`` is read by its shortest decimal text);
    ``patience_seconds`` switches from Erlang C to Erlang A.
    """

    service_level: float
    answer_seconds: float
    max_asa_seconds: float | None = None
    max_occupancy: float = 1.0
    shrinkage: float | str | Decimal | Fraction = 0
    patience_seconds: float | None = None

    def __post_init__(self) -> None:
        if not (math.isfinite(self.service_level) and 0 <= self.service_level <= 1):
            raise StaffingInputError(
                f"service_level must be a fraction in [0, 1], got {self.service_level!r}"
            )
        if not (math.isfinite(self.answer_seconds) and self.answer_seconds >= 0):
            raise StaffingInputError(f"answer_seconds must be >= 0, got {self.answer_seconds!r}")
        if self.max_asa_seconds is not None and not (
            math.isfinite(self.max_asa_seconds) and self.max_asa_seconds >= 0
        ):
            raise StaffingInputError(
                f"max_asa_seconds must be >= 0, got {self.max_asa_seconds!r}"
            )
        if not (math.isfinite(self.max_occupancy) and 0 < self.max_occupancy <= 1):
            raise StaffingInputError(
                f"max_occupancy must be in (0, 1], got {self.max_occupancy!r}"
            )
        shrinkage_fraction(self.shrinkage)
        if self.patience_seconds is not None and not (
            math.isfinite(self.patience_seconds) and self.patience_seconds > 0
        ):
            raise StaffingInputError(
                f"patience_seconds must be > 0, got {self.patience_seconds!r}"
            )


@dataclass(frozen=True)
class Staffing:
    """Per-interval staffing, arrays aligned with the input intervals.

    ``abandon_rate`` is NaN under Erlang C.  Intervals without calls have 0 agents, service
    level 1, ASA 0 and occupancy 0.
    """

    agents: IntArray
    scheduled_agents: IntArray
    service_level: FloatArray
    asa_seconds: FloatArray
    occupancy: FloatArray
    abandon_rate: FloatArray
    load_erlangs: FloatArray


def shrinkage_fraction(shrinkage: float | str | Decimal | Fraction) -> Fraction:
    """Shrinkage as an exact fraction in [0, 1) from its decimal text (0.3 -> 3/10)."""
    try:
        if isinstance(shrinkage, Fraction):
            value = shrinkage
        elif isinstance(shrinkage, float):
            if not math.isfinite(shrinkage):
                raise ValueError
            value = Fraction(repr(shrinkage))
        else:
            value = Fraction(shrinkage)
    except (ValueError, ArithmeticError):
        raise StaffingInputError(f"shrinkage must be a number, got {shrinkage!r}") from None
    if not 0 <= value < 1:
        raise StaffingInputError(f"shrinkage must be in [0, 1), got {shrinkage!r}")
    return value


def scheduled_agents(agents: int, shrinkage: float | str | Decimal | Fraction) -> int:
    """ceil(agents / (1 - shrinkage)) in exact arithmetic: 161 at 30 % -> 230 (float says 231)."""
    if agents < 0:
        raise StaffingInputError(f"agents must be >= 0, got {agents}")
    return math.ceil(Fraction(agents) / (1 - shrinkage_fraction(shrinkage)))


def _meets(value: float | FloatArray, target: float, *, at_least: bool) -> npt.NDArray[np.bool_]:
    if at_least:
        return np.asarray(value >= target * (1.0 - TARGET_TOLERANCE))
    return np.asarray(value <= target * (1.0 + TARGET_TOLERANCE))


def _per_interval(name: str, values: npt.ArrayLike | float, size: int) -> FloatArray:
    array = np.asarray(values, dtype=np.float64)
    if array.ndim == 0:
        array = np.full(size, float(array))
    if array.ndim != 1 or array.size != size:
        raise StaffingInputError(f"{name} must be a scalar or one value per interval")
    return array


def agents_needed(
    calls: Sequence[float] | npt.ArrayLike,
    aht_seconds: Sequence[float] | npt.ArrayLike | float,
    targets: StaffingTargets,
    *,
    interval_minutes: float = 30,
    labels: Sequence[object] | None = None,
) -> Staffing:
    """Fewest agents per interval meeting every target, and what that number achieves.

    ``calls`` are offered calls per interval, ``aht_seconds`` the handle time (one value or
    one per interval).  ``labels`` (e.g. interval start times) name intervals in errors;
    otherwise errors give the zero-based position.  Raises ``StaffingInputError`` on bad input
    and ``StaffingInfeasibleError`` when no finite number of agents meets the targets.
    """
    calls_array = np.asarray(calls, dtype=np.float64).reshape(-1)
    size = calls_array.size
    aht = _per_interval("aht_seconds", aht_seconds, size)
    if not (math.isfinite(interval_minutes) and interval_minutes > 0):
        raise StaffingInputError(f"interval_minutes must be > 0, got {interval_minutes!r}")
    if labels is not None and len(labels) != size:
        raise StaffingInputError("labels must name every interval")

    def name(i: int) -> str:
        return f"interval {labels[i]}" if labels is not None else f"interval #{i}"

    for i in range(size):
        if not (math.isfinite(calls_array[i]) and calls_array[i] >= 0):
            raise StaffingInputError(f"{name(i)}: calls must be finite and >= 0")
        if calls_array[i] > 0 and not (math.isfinite(aht[i]) and aht[i] > 0):
            raise StaffingInputError(f"{name(i)}: aht_seconds must be > 0 when there are calls")

    seconds = interval_minutes * 60
    load = np.where(calls_array > 0, calls_array * np.nan_to_num(aht) / seconds, 0.0)
    busy = np.flatnonzero(load > 0)
    if busy.size:
        first = int(busy[0])
        if targets.service_level >= 1:
            raise StaffingInfeasibleError(
                f"{name(first)}: a service level of 100 % cannot be met with calls offered",
                interval=labels[first] if labels is not None else first,
            )
        if targets.max_asa_seconds is not None and targets.max_asa_seconds <= 0:
            raise StaffingInfeasibleError(
                f"{name(first)}: an ASA of 0 s cannot be met with calls offered",
                interval=labels[first] if labels is not None else first,
            )

    agents = np.zeros(size, dtype=np.int64)
    service_level = np.ones(size)
    asa = np.zeros(size)
    occupancy = np.zeros(size)
    abandon = np.full(size, np.nan) if targets.patience_seconds is None else np.zeros(size)

    if busy.size and targets.patience_seconds is None:
        found = _erlang_c_scan(load[busy], aht[busy], targets)
        agents[busy], service_level[busy], asa[busy], occupancy[busy] = found
    elif busy.size and targets.patience_seconds is not None:
        for position in busy:
            i = int(position)
            n, point = _erlang_a_search(float(load[i]), float(aht[i]), targets, name(i))
            agents[i] = n
            service_level[i] = point[0]
            asa[i] = point[1]
            occupancy[i] = point[2]
            abandon[i] = point[3]

    shrink = shrinkage_fraction(targets.shrinkage)
    scheduled = np.array(
        [math.ceil(Fraction(int(n)) / (1 - shrink)) for n in agents], dtype=np.int64
    )
    return Staffing(
        agents=agents,
        scheduled_agents=scheduled,
        service_level=service_level,
        asa_seconds=asa,
        occupancy=occupancy,
        abandon_rate=abandon,
        load_erlangs=load,
    )


def _search_cap(load: float, targets: StaffingTargets) -> int:
    """An agent count no answer can exceed; reaching it means the search is broken."""
    occupancy_bound = load / targets.max_occupancy
    return int(math.ceil(occupancy_bound + 60.0 * math.sqrt(load) + 1_000.0 + load))


def _erlang_c_scan(
    load: FloatArray, aht: FloatArray, targets: StaffingTargets
) -> tuple[IntArray, FloatArray, FloatArray, FloatArray]:
    count = load.size
    agents = np.zeros(count, dtype=np.int64)
    sl_out = np.zeros(count)
    asa_out = np.zeros(count)
    occ_out = np.zeros(count)
    open_ = np.ones(count, dtype=bool)
    log_a = np.log(load)
    log_inv_b = np.zeros(count)
    cap = max(_search_cap(float(x), targets) for x in load)
    t = targets.answer_seconds
    for n in range(1, cap + 1):
        log_inv_b = np.logaddexp(0.0, math.log(n) - log_a + log_inv_b)
        candidates = open_ & (n > load)
        if not candidates.any():
            continue
        a = load[candidates]
        b = np.exp(-log_inv_b[candidates])
        c = np.clip(n * b / (n - a * (1.0 - b)), 0.0, 1.0)
        sl = 1.0 - c * np.exp(-(n - a) * t / aht[candidates])
        asa = c * aht[candidates] / (n - a)
        occ = a / n
        ok = _meets(sl, targets.service_level, at_least=True) & _meets(
            occ, targets.max_occupancy, at_least=False
        )
        if targets.max_asa_seconds is not None:
            ok &= _meets(asa, targets.max_asa_seconds, at_least=False)
        if ok.any():
            where = np.flatnonzero(candidates)[ok]
            agents[where] = n
            sl_out[where] = sl[ok]
            asa_out[where] = asa[ok]
            occ_out[where] = occ[ok]
            open_[where] = False
            if not open_.any():
                break
    if open_.any():  # pragma: no cover - targets are validated to be reachable
        raise StaffingInfeasibleError("Erlang C search exceeded its bound")
    return agents, sl_out, asa_out, occ_out


def _erlang_a_search(
    load: float, aht: float, targets: StaffingTargets, name: str
) -> tuple[int, tuple[float, float, float, float]]:
    assert targets.patience_seconds is not None
    patience = targets.patience_seconds
    cap = _search_cap(load, targets)
    table = log_erlang_b_table(load, max(1, math.ceil(load)) * 2 + 16)
    cache: dict[int, tuple[bool, tuple[float, float, float, float]]] = {}

    def evaluate(n: int) -> bool:
        nonlocal table
        if n in cache:
            return cache[n][0]
        if n >= table.size:
            table = log_erlang_b_table(load, 2 * n + 16)
        point = erlang_a_point(n, load, aht, targets.answer_seconds, patience, float(table[n]))
        ok = bool(
            _meets(point.service_level, targets.service_level, at_least=True)
            & _meets(point.occupancy, targets.max_occupancy, at_least=False)
        )
        if targets.max_asa_seconds is not None:
            ok = ok and bool(_meets(point.asa_seconds, targets.max_asa_seconds, at_least=False))
        metrics = (point.service_level, point.asa_seconds, point.occupancy, point.abandon_rate)
        cache[n] = (ok, metrics)
        return ok

    low = 0  # never feasible: with calls offered, nobody would be answered
    high = max(1, math.ceil(load))
    while not evaluate(high):
        low = high
        high = high * 2
        if high > cap:
            raise StaffingInfeasibleError(
                f"{name}: no agent count up to {cap} meets the targets", interval=name
            )
    while high - low > 1:
        middle = (low + high) // 2
        if evaluate(middle):
            high = middle
        else:
            low = middle
    return high, cache[high][1]
