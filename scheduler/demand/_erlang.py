"""Erlang B, Erlang C and Erlang A (M/M/N+M), exact and overflow-free.

Notation: ``servers`` = N agents, ``load`` = A offered Erlangs (arrival rate x AHT),
``aht_seconds`` = mean service time 1/mu, ``answer_seconds`` = T of the service-level target,
``patience_seconds`` = mean patience 1/theta (exponential).

* Erlang B uses the recursion 1/B(n) = 1 + (n/A) / B(n-1) carried in log space, vectorised
  over any number of (N, A) pairs; it never forms a factorial or a power of A, so loads of
  thousands of Erlangs neither overflow nor lose precision (the recursion is contractive).
* Erlang C is C = N B / (N - A (1 - B)) for N > A, and 1 when N <= A (unstable queue).
* Erlang A sums the birth-death stationary distribution exactly.  With x = N mu/theta and
  y = lambda/theta, the queue terms are t_j = y^j / prod_{i=1..j}(x + i); a caller who finds
  j callers waiting ahead of it has an offered wait V with theta V = -log U, U ~ Beta(x, j+1)
  (Garnett, Mandelbaum & Reiman 2002; Mandelbaum & Zeltyn 2004).  Summing over j gives the
  closed forms used below (all series of positive terms, summed in log space):

      S      = G(x, y)                         G(a, z) = sum_n z^n / prod_{k=1..n}(a + k)
      P(W>0) = S E / (1 + (S - 1) E)           E = Erlang B(N, A)
      P(Ab)  = P(W>0) * sum_j j t_j / (y S)
      P(answered within T | waits) = [x/y (S - 1) - x/(x+1) u^(x+1) e^(y(1-u)) G(x+1, y u)] / S,
                                       u = exp(-T / patience)
      E[W; answered] = P(W>0)/S * patience * sum_j t_j x/(x+j+1) sum_{i<=j} 1/(x+1+i)

  Service level counts an abandoned caller as *not* answered within T, even one who gave up
  before T.  ASA is the mean wait of answered calls (zero waits included).

Every function takes array-likes, broadcasts them and returns float64 arrays (0-d for scalar
inputs; wrap in ``float()`` for a Python number).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from scheduler.demand._errors import StaffingInputError

FloatArray = npt.NDArray[np.float64]

# A series term below max_term * exp(-_LOG_EPS) cannot move a double.
_LOG_EPS = 60.0
# Never sum more than this many terms of a series (reached only with absurd inputs).
_MAX_TERMS = 50_000_000


@dataclass(frozen=True)
class QueueMetrics:
    """What a given number of agents achieves, element-wise over the broadcast inputs.

    ``abandon_rate`` is NaN under Erlang C (no abandonment in that model).
    """

    wait_probability: FloatArray
    service_level: FloatArray
    asa_seconds: FloatArray
    occupancy: FloatArray
    abandon_rate: FloatArray


def _as_servers(servers: npt.ArrayLike) -> npt.NDArray[np.int64]:
    values = np.asarray(servers, dtype=np.float64)
    if not np.all(np.isfinite(values)) or np.any(values < 0) or np.any(values != np.floor(values)):
        raise StaffingInputError("servers must be non-negative whole numbers")
    return values.astype(np.int64)


def _as_nonnegative(name: str, values: npt.ArrayLike) -> FloatArray:
    array = np.asarray(values, dtype=np.float64)
    if not np.all(np.isfinite(array)) or np.any(array < 0):
        raise StaffingInputError(f"{name} must be finite and >= 0")
    return array


def log_erlang_b(servers: npt.ArrayLike, load: npt.ArrayLike) -> FloatArray:
    """Natural log of the Erlang B blocking probability B(N, A), element-wise."""
    n_all = _as_servers(servers)
    a_all = _as_nonnegative("load", load)
    n, a = np.broadcast_arrays(n_all, a_all)
    with np.errstate(divide="ignore"):
        log_a = np.log(a)
    log_inv_b = np.zeros(n.shape, dtype=np.float64)  # log(1 / B(0, A)) = 0
    top = int(n.max()) if n.size else 0
    for k in range(1, top + 1):
        step = np.logaddexp(0.0, math.log(k) - log_a + log_inv_b)
        log_inv_b = np.where(n >= k, step, log_inv_b)
    result: FloatArray = -log_inv_b
    return result


def erlang_b(servers: npt.ArrayLike, load: npt.ArrayLike) -> FloatArray:
    """Erlang B blocking probability B(N, A) of an M/M/N/N loss system."""
    result: FloatArray = np.exp(log_erlang_b(servers, load))
    return result


def _erlang_c_from_b(n: FloatArray, a: FloatArray, b: FloatArray) -> FloatArray:
    stable = n > a
    with np.errstate(divide="ignore", invalid="ignore"):
        c = np.where(stable, n * b / (n - a * (1.0 - b)), 1.0)
    c = np.where(a == 0, 0.0, c)
    result: FloatArray = np.clip(c, 0.0, 1.0)
    return result


def erlang_c(servers: npt.ArrayLike, load: npt.ArrayLike) -> FloatArray:
    """Erlang C probability of waiting C(N, A); 1 where N <= A (the queue grows without bound)."""
    n_all = _as_servers(servers)
    a_all = _as_nonnegative("load", load)
    n_i, a = np.broadcast_arrays(n_all, a_all)
    n = n_i.astype(np.float64)
    return _erlang_c_from_b(n, a, erlang_b(n_i, a))


def erlang_c_metrics(
    servers: npt.ArrayLike,
    load: npt.ArrayLike,
    aht_seconds: npt.ArrayLike,
    answer_seconds: npt.ArrayLike,
) -> QueueMetrics:
    """Erlang C (M/M/N, callers never hang up): P(wait), service level, ASA, occupancy.

    Where N <= A the queue is unstable: service level 0, ASA and occupancy infinite.
    """
    n_all = _as_servers(servers)
    a_all = _as_nonnegative("load", load)
    aht_all = _as_nonnegative("aht_seconds", aht_seconds)
    t_all = _as_nonnegative("answer_seconds", answer_seconds)
    n_i, a, aht, t = np.broadcast_arrays(n_all, a_all, aht_all, t_all)
    n = n_i.astype(np.float64)
    c = _erlang_c_from_b(n, a, erlang_b(n_i, a))
    return _c_metrics(n, a, aht, t, c)


def _c_metrics(
    n: FloatArray, a: FloatArray, aht: FloatArray, t: FloatArray, c: FloatArray
) -> QueueMetrics:
    stable = n > a
    idle = a == 0
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        gap = np.where(stable, n - a, 1.0)
        safe_aht = np.where(aht > 0, aht, 1.0)
        sl = np.where(stable, 1.0 - c * np.exp(-gap * t / safe_aht), 0.0)
        asa = np.where(stable, c * aht / gap, np.inf)
        occupancy = np.where(n > 0, a / np.where(n > 0, n, 1.0), np.inf)
    sl = np.where(idle, 1.0, sl)
    asa = np.where(idle, 0.0, asa)
    occupancy = np.where(idle, 0.0, occupancy)
    return QueueMetrics(
        wait_probability=np.asarray(c, dtype=np.float64),
        service_level=np.asarray(np.clip(sl, 0.0, 1.0), dtype=np.float64),
        asa_seconds=np.asarray(asa, dtype=np.float64),
        occupancy=np.asarray(occupancy, dtype=np.float64),
        abandon_rate=np.full(n.shape, np.nan),
    )


# --- scalar helpers shared with the staffing search ------------------------------------------


def log_erlang_b_table(load: float, top: int) -> FloatArray:
    """log B(n, A) for n = 0..top in one vectorised pass: B(n, A) = p(n) / P(K <= n).

    p is the Poisson(A) pmf.  Log-pmf ratios are accumulated outwards from the mode, so the
    largest terms carry the smallest rounding error and nothing overflows; the cdf is a
    running log-sum-exp.
    """
    if top < 0:
        raise StaffingInputError("top must be >= 0")
    if load == 0:
        empty: FloatArray = np.full(top + 1, -np.inf)
        empty[0] = 0.0
        return empty
    mode = min(int(load), top)
    step = math.log(load) - np.log(np.arange(1, top + 1, dtype=np.float64))  # log p(i)/p(i-1)
    log_p = np.zeros(top + 1)
    log_p[mode + 1 :] = np.cumsum(step[mode:])
    if mode > 0:
        log_p[:mode] = -np.cumsum(step[:mode][::-1])[::-1]
    log_cdf = np.logaddexp.accumulate(log_p)
    table: FloatArray = log_p - log_cdf
    return table


def _series_log_terms(x: float, z: float) -> FloatArray:
    """log t_j for j = 0..J, t_j = z^j / prod_{i=1..j}(x + i), J covering every significant term."""
    if z <= 0.0:
        return np.zeros(1)
    log_z = math.log(z)
    chunks: list[FloatArray] = [np.zeros(1)]
    last = 0.0
    best = 0.0
    count = 1
    size = 256
    while True:
        i = np.arange(count, count + size, dtype=np.float64)
        chunk = last + np.cumsum(log_z - np.log(x + i))
        chunks.append(chunk)
        count += size
        last = float(chunk[-1])
        best = max(best, float(chunk.max()))
        decreasing = x + count > z
        if decreasing and last < best - _LOG_EPS:
            break
        if count > _MAX_TERMS:
            raise StaffingInputError(f"Erlang A series did not converge (x={x}, z={z})")
        size = min(size * 2, 1 << 20)
    return np.concatenate(chunks)


def _logsumexp(values: FloatArray) -> float:
    top = float(values.max())
    if top == -math.inf:
        return -math.inf
    return top + math.log(float(np.exp(values - top).sum()))


def _expit(z: float) -> float:
    """1 / (1 + e^-z) without overflow."""
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


@dataclass(frozen=True)
class _PointA:
    wait_probability: float
    service_level: float
    asa_seconds: float
    occupancy: float
    abandon_rate: float


def erlang_a_point(
    servers: int,
    load: float,
    aht_seconds: float,
    answer_seconds: float,
    patience_seconds: float,
    log_b: float | None = None,
) -> _PointA:
    """Erlang A metrics for one (N, A); ``log_b`` = log B(N, A) when the caller has it."""
    if load == 0:
        return _PointA(0.0, 1.0, 0.0, 0.0, 0.0)
    if servers == 0:
        return _PointA(1.0, 0.0, math.inf, 0.0, 1.0)
    if log_b is None:
        log_b = float(log_erlang_b(servers, load))
    ratio = patience_seconds / aht_seconds  # mu / theta
    x = servers * ratio
    y = load * ratio
    log_t = _series_log_terms(x, y)
    j = np.arange(log_t.size, dtype=np.float64)
    log_s = _logsumexp(log_t)
    log_s_minus_1 = _logsumexp(log_t[1:]) if log_t.size > 1 else -math.inf
    # P(W > 0) = 1 / (1 + (1/E - 1) / S)
    log_ratio = math.log(-math.expm1(log_b)) - log_b - log_s if log_b < 0 else -math.inf
    p_wait = _expit(-log_ratio) if log_ratio > -math.inf else 1.0
    p_no_wait = _expit(log_ratio) if log_ratio > -math.inf else 0.0
    # Abandonment: theta E[Q] / lambda.
    log_q = _logsumexp(np.log(j[1:]) + log_t[1:]) if log_t.size > 1 else -math.inf
    abandon = min(1.0, p_wait * math.exp(log_q - log_s) / y) if log_q > -math.inf else 0.0
    # Share of waiting callers answered within T.
    u_log = -answer_seconds / patience_seconds
    served_all = (x / y) * math.exp(log_s_minus_1 - log_s)
    z = y * math.exp(u_log)
    log_g = _logsumexp(_series_log_terms(x + 1.0, z))
    late = math.exp(
        math.log(x / (x + 1.0)) + (x + 1.0) * u_log - y * math.expm1(u_log) + log_g - log_s
    )
    within = min(max(served_all - late, 0.0), 1.0)
    service_level = min(1.0, max(0.0, p_no_wait + p_wait * within))
    # Mean wait of answered callers.
    harmonic = np.cumsum(1.0 / (x + 1.0 + j))
    log_w = _logsumexp(log_t + math.log(x) - np.log(x + j + 1.0) + np.log(harmonic))
    answered = 1.0 - abandon
    waited = p_wait * patience_seconds * math.exp(log_w - log_s)
    asa = waited / answered if answered > 0 else math.inf
    # Occupancy = E[busy agents] / N.  Computed as lambda (1 - P(Ab)) / (N mu) it rounds past 1
    # in a saturated queue; the same quantity from the states with a free agent (a truncated
    # Poisson on 0..N-1, mean A (1 - B(N-1, A))) stays monotone in N to the last digit.
    b = math.exp(log_b)
    b_before = min(1.0, servers * b / (load * (1.0 - b))) if b < 1.0 else 1.0
    idle_share = max(0.0, servers - load * (1.0 - b_before)) / servers
    occupancy = min(1.0, max(0.0, 1.0 - p_no_wait * idle_share))
    return _PointA(p_wait, service_level, asa, occupancy, abandon)


def erlang_a_metrics(
    servers: npt.ArrayLike,
    load: npt.ArrayLike,
    aht_seconds: npt.ArrayLike,
    answer_seconds: npt.ArrayLike,
    patience_seconds: npt.ArrayLike,
) -> QueueMetrics:
    """Erlang A (M/M/N+M, exponential patience): P(wait), SL, ASA, occupancy, abandonment.

    Service level = P(answered within T); abandoned callers count as not answered.
    """
    n_all = _as_servers(servers)
    a_all = _as_nonnegative("load", load)
    aht_all = _as_nonnegative("aht_seconds", aht_seconds)
    t_all = _as_nonnegative("answer_seconds", answer_seconds)
    p_all = _as_nonnegative("patience_seconds", patience_seconds)
    if np.any(p_all <= 0):
        raise StaffingInputError("patience_seconds must be > 0 (Erlang C is infinite patience)")
    arrays: list[Any] = list(np.broadcast_arrays(n_all, a_all, aht_all, t_all, p_all))
    n, a, aht, t, patience = arrays
    if np.any((aht <= 0) & (a > 0)):
        raise StaffingInputError("aht_seconds must be > 0 where load > 0")
    out = np.empty((5, *n.shape), dtype=np.float64)
    for index in np.ndindex(n.shape):
        point = erlang_a_point(
            int(n[index]), float(a[index]), float(aht[index]), float(t[index]),
            float(patience[index]),
        )
        out[(slice(None), *index)] = (
            point.wait_probability,
            point.service_level,
            point.asa_seconds,
            point.occupancy,
            point.abandon_rate,
        )
    return QueueMetrics(
        wait_probability=out[0],
        service_level=out[1],
        asa_seconds=out[2],
        occupancy=out[3],
        abandon_rate=out[4],
    )
