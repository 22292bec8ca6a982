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

    bad_calls = ~(np.isfinite(calls_array) & (calls_array >= 0))
    bad_aht = (calls_array > 0) & ~(np.isfinite(aht) & (aht > 0))
    if bad_calls.any() or bad_aht.any():
        i = int(np.flatnonzero(bad_calls | bad_aht)[0])
        if bad_calls[i]:
            raise StaffingInputError(f"{name(i)}: calls must be finite and >= 0")
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

    scheduled = _scheduled(agents, shrinkage_fraction(targets.shrinkage))
    return Staffing(
        agents=agents,
        scheduled_agents=scheduled,
        service_level=service_level,
        asa_seconds=asa,
        occupancy=occupancy,
        abandon_rate=abandon,
        load_erlangs=load,
    )


def _scheduled(agents: IntArray, shrinkage: Fraction) -> IntArray:
    """ceil(agents / (1 - shrinkage)) per interval in integer arithmetic (no float division).

    With 1 - shrinkage = p / q: ceil(n q / p) = (n q + p - 1) // p, in int64 while that cannot
    overflow and in Python integers otherwise.
    """
    keep = 1 - shrinkage
    p, q = keep.numerator, keep.denominator
    top = int(agents.max()) if agents.size else 0
    if top * q + p < 2**62:
        return (agents * q + (p - 1)) // p
    return np.array([(int(n) * q + p - 1) // p for n in agents.tolist()], dtype=np.int64)


def _search_cap(load: float, targets: StaffingTargets) -> int:
    """An agent count no answer can exceed; reaching it means the search is broken."""
    occupancy_bound = load / targets.max_occupancy
    return int(math.ceil(occupancy_bound + 60.0 * math.sqrt(load) + 1_000.0 + load))


def _erlang_c_scan(
    load: FloatArray, aht: FloatArray, targets: StaffingTargets
) -> tuple[IntArray, FloatArray, FloatArray, FloatArray]:
    """One upward scan n = 1, 2, ... over every interval at once.

    Carries r = 1 / B(n, A) by r(n) = 1 + r(n-1) n / A (contractive, no factorials; r only
    grows, and an overflow to infinity means B = 0 to double precision, which every formula
    below handles).  With the intervals sorted by load, the ones that can be stable at n
    (A < n) are a prefix found by bisection; intervals already answered are dropped from the
    working arrays once they make up a quarter of them, so the work is about the sum of the
    answers rather than their maximum times the number of intervals.
    """
    count = load.size
    agents = np.zeros(count, dtype=np.int64)
    sl_out = np.zeros(count)
    asa_out = np.zeros(count)
    occ_out = np.zeros(count)
    order = np.argsort(load, kind="stable")
    index = order  # positions (in the caller's arrays) of the working set
    a = load[order]
    with np.errstate(over="ignore"):
        inv_a = 1.0 / a  # a subnormal load overflows: r = inf, B = 0, one agent answers
    rate = targets.answer_seconds / aht[order]
    handle = aht[order]
    r = np.ones(a.size)
    open_ = np.ones(a.size, dtype=bool)
    closed = 0
    cap = _search_cap(float(a[-1]), targets)
    sl_target = targets.service_level * (1.0 - TARGET_TOLERANCE)
    occ_target = targets.max_occupancy * (1.0 + TARGET_TOLERANCE)
    asa_target = (
        None if targets.max_asa_seconds is None
        else targets.max_asa_seconds * (1.0 + TARGET_TOLERANCE)
    )
    step = np.empty(a.size)
    with np.errstate(over="ignore"):
        for n in range(1, cap + 1):
            np.multiply(r, inv_a, out=step)
            step *= n
            step += 1.0
            r, step = step, r
            k = int(np.searchsorted(a, n, side="left"))  # a[:k] < n: a stable queue
            if k == 0:
                continue
            ak = a[:k]
            wait = n - ak
            c = n / (r[:k] * wait + ak)  # Erlang C = N B / (N - A (1 - B)), B = 1 / r
            sl = 1.0 - c * np.exp(-wait * rate[:k])
            ok = open_[:k] & (sl >= sl_target)
            if occ_target < 1.0:
                ok &= ak <= occ_target * n
            asa = c * handle[:k] / wait
            if asa_target is not None:
                ok &= asa <= asa_target
            if not ok.any():
                continue
            hit = np.flatnonzero(ok)
            where = index[hit]
            agents[where] = n
            sl_out[where] = sl[hit]
            asa_out[where] = asa[hit]
            occ_out[where] = ak[hit] / n
            open_[hit] = False
            closed += hit.size
            if closed == index.size:
                return agents, sl_out, asa_out, occ_out
            if 4 * closed >= index.size:
                keep = open_
                index, a, inv_a, rate, handle, r = (
                    index[keep], a[keep], inv_a[keep], rate[keep], handle[keep], r[keep]
                )
                open_ = np.ones(index.size, dtype=bool)
                step = np.empty(index.size)
                closed = 0
    raise StaffingInfeasibleError(  # pragma: no cover - targets are validated to be reachable
        "Erlang C search exceeded its bound"
    )


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
