"""Caller patience from censored queue times.

A caller who hangs up after waiting ``w`` seconds shows a patience of exactly ``w`` (an
event); a caller answered after ``w`` seconds would have waited at least ``w`` (censored).

* ``kaplan_meier``: the product-limit estimate of P(patience > t), no shape assumed.
* ``exponential_patience``: the maximum-likelihood rate of an exponential patience under the
  same censoring, ``theta = abandons / total time spent waiting`` (Brown et al. 2005, JASA,
  section 5); ``1 / theta`` is the mean patience Erlang A takes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from scheduler.demand._errors import StaffingInputError

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class KaplanMeier:
    """The survival curve: ``survival[i]`` = P(patience > ``times[i]``), at event times."""

    times: FloatArray
    survival: FloatArray
    at_risk: FloatArray
    events: FloatArray

    def at(self, t: float) -> float:
        """P(patience > t)."""
        index = int(np.searchsorted(self.times, t, side="right")) - 1
        return 1.0 if index < 0 else float(self.survival[index])

    @property
    def median(self) -> float:
        """The first time the curve falls to 0.5 or below; NaN if it never does."""
        below = np.flatnonzero(self.survival <= 0.5)
        return float(self.times[below[0]]) if below.size else math.nan

    def restricted_mean(self, horizon: float) -> float:
        """Area under the curve from 0 to ``horizon`` (mean patience capped at the horizon)."""
        edges = np.concatenate([[0.0], self.times[self.times < horizon], [horizon]])
        levels = np.concatenate([[1.0], self.survival[self.times < horizon]])
        return float(np.sum(np.diff(edges) * levels))


def _check(durations: npt.ArrayLike, abandoned: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    times = np.asarray(durations, dtype=np.float64).reshape(-1)
    events = np.asarray(abandoned, dtype=bool).reshape(-1)
    if times.shape != events.shape:
        raise StaffingInputError("durations and abandoned must have the same length")
    if not np.all(np.isfinite(times)) or np.any(times < 0):
        raise StaffingInputError("queue times must be finite and >= 0")
    return times, events.astype(np.float64)


def kaplan_meier(durations: npt.ArrayLike, abandoned: npt.ArrayLike) -> KaplanMeier:
    """Product-limit estimate of the patience survival function.

    ``durations`` are the queue times; ``abandoned`` is true where the caller hung up (the
    event) and false where the caller was answered (censored).  At a tie, events are counted
    before censorings (the usual convention).
    """
    times, events = _check(durations, abandoned)
    unique = np.unique(times[events > 0])
    if unique.size == 0:
        empty = np.zeros(0)
        return KaplanMeier(empty, empty, empty, empty)
    at_risk = np.array([np.sum(times >= t) for t in unique], dtype=np.float64)
    died = np.array([np.sum((times == t) & (events > 0)) for t in unique], dtype=np.float64)
    survival: FloatArray = np.cumprod(1.0 - died / at_risk).astype(np.float64)
    return KaplanMeier(unique, survival, at_risk, died)


def exponential_patience(durations: npt.ArrayLike, abandoned: npt.ArrayLike) -> float:
    """Maximum-likelihood mean patience (seconds) of an exponential law under censoring.

    ``total queue time / abandons``; infinite when nobody abandoned.
    """
    times, events = _check(durations, abandoned)
    count = float(events.sum())
    return float(times.sum()) / count if count > 0 else math.inf
