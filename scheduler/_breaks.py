"""Break placement (art. 32): every valid meal/rest pattern of a long shift, on an aligned grid.

Breaks depend only on the shift type, and agents are interchangeable for coverage, so the
solver never gives each agent its own break variables. Instead it enumerates, once per long
shift type, every valid *pattern* (meal start, rest start, as minute offsets from the shift
start) and counts how many agents on a (day, shift type) take each pattern; after the solve
the patterns are handed to the individual agents deterministically (:func:`hand_out`).

A pattern is valid (the checker's ``breaks`` rule) when both breaks lie inside the shift, do
not overlap, neither starts in the first ``min_work_before_first_break_minutes`` and no stretch
of work (before, between or after the breaks) is longer than ``max_continuous_work_minutes``.
Both orders (meal first, rest first) are enumerated.

Break starts lie on a grid: the coarsest of ``gcd(interval_minutes, meal, rest)`` (when it is
at least 15 minutes), 15, 5 and 1 minute that yields any valid pattern. The grid is aligned to
the demand intervals (which start at whole multiples of ``interval_minutes`` from the horizon
start), so with 30-minute intervals and 30-minute breaks every break fills one whole interval
and coverage counts agents on or off the phones for whole intervals.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

from scheduler._problem import Breaks

BreakKind = Literal["meal", "rest"]


@dataclass(frozen=True, order=True)
class BreakPattern:
    """One meal and one rest inside a shift of ``duration`` minutes, as offsets from its start."""

    meal_offset: int
    rest_offset: int
    meal_minutes: int
    rest_minutes: int
    duration: int

    @property
    def breaks(self) -> tuple[tuple[BreakKind, int, int], ...]:
        """``(kind, offset, minutes)`` in time order."""
        meal: tuple[BreakKind, int, int] = ("meal", self.meal_offset, self.meal_minutes)
        rest: tuple[BreakKind, int, int] = ("rest", self.rest_offset, self.rest_minutes)
        return (meal, rest) if self.meal_offset <= self.rest_offset else (rest, meal)

    def on_phones(self) -> tuple[tuple[int, int], ...]:
        """The shift minus its breaks: ``[start, end)`` offsets of the work stretches."""
        segments: list[tuple[int, int]] = []
        cursor = 0
        for _, offset, minutes in self.breaks:
            if offset > cursor:
                segments.append((cursor, offset))
            cursor = max(cursor, offset + minutes)
        if cursor < self.duration:
            segments.append((cursor, self.duration))
        return tuple(segments)

    def stretches(self) -> tuple[int, int, int]:
        """Work minutes before the first break, between the breaks and after the second."""
        (_, first, first_len), (_, second, second_len) = self.breaks
        return first, second - first - first_len, self.duration - second - second_len


def is_valid(pattern: BreakPattern, rules: Breaks) -> bool:
    """Art. 32 as the checker reads it (inside, no overlap, late enough, no long stretch)."""
    (_, first, first_len), (_, second, second_len) = pattern.breaks
    if first < rules.min_work_before_first_break_minutes:
        return False
    if second < first + first_len or second + second_len > pattern.duration:
        return False
    return all(0 <= stretch <= rules.max_continuous_work_minutes for stretch in pattern.stretches())


def grids(interval_minutes: int, rules: Breaks) -> tuple[int, ...]:
    """Candidate grids, coarsest first: the common grid of intervals and breaks, 15, 5, 1."""
    common = math.gcd(interval_minutes, rules.meal_minutes, rules.rest_minutes)
    candidates = ([common] if common >= 15 else []) + [15, 5, 1]
    return tuple(dict.fromkeys(candidates))


def break_patterns(
    duration: int, rules: Breaks, *, interval_minutes: int = 30, phase: int = 0
) -> tuple[BreakPattern, ...]:
    """Every valid pattern of a long shift of ``duration`` minutes, most balanced first.

    ``phase`` is the shift's start in minutes from the horizon start (any whole number of
    intervals may be dropped): break starts are aligned so that ``phase + offset`` is on the
    grid. Empty when no pattern fits on any grid (the shift type cannot carry its breaks).
    """
    for grid in grids(interval_minutes, rules):
        first = (-phase) % grid
        offsets = range(first, duration, grid)
        found = [
            pattern
            for meal in offsets
            for rest in offsets
            if is_valid(
                pattern := BreakPattern(
                    meal, rest, rules.meal_minutes, rules.rest_minutes, duration
                ),
                rules,
            )
        ]
        if found:
            return tuple(sorted(found, key=_balance))
    return ()


def _balance(pattern: BreakPattern) -> tuple[int, int, int, int]:
    """Sort key: the longest work stretch first, then meal before rest, then earliest."""
    stretches = pattern.stretches()
    return (max(stretches), max(stretches) - min(stretches), pattern.meal_offset,
            pattern.rest_offset)


def interval_minutes_on_phones(
    segments: Iterable[tuple[int, int]], start: int, interval_minutes: int
) -> dict[int, int]:
    """Minutes on the phones per interval (keyed by interval start, minutes from the horizon
    start) of work ``segments`` given as offsets from a shift starting at minute ``start``."""
    totals: dict[int, int] = {}
    for begin, finish in segments:
        begin, finish = start + begin, start + finish
        for index in range(begin // interval_minutes, (finish - 1) // interval_minutes + 1):
            interval = index * interval_minutes
            overlap = min(finish, interval + interval_minutes) - max(begin, interval)
            if overlap > 0:
                totals[interval] = totals.get(interval, 0) + overlap
    return totals


def hand_out(agents: Sequence[str], counts: Sequence[tuple[int, int]]) -> Iterator[tuple[str, int]]:
    """Give the agents of one (day, shift type), in the order given, the patterns counted.

    ``counts`` are ``(pattern index, how many)`` pairs summing to ``len(agents)``; the result
    pairs each agent with a pattern index, deterministically (patterns in index order).
    """
    indexes = [index for index, count in sorted(counts) for _ in range(count)]
    if len(indexes) != len(agents):
        raise ValueError(f"{len(indexes)} break patterns for {len(agents)} agents")
    yield from zip(agents, indexes, strict=True)
