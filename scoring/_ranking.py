"""Competition ranking ("1-1-3"), shared by the quarterly awards and the annual nominations."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal


def competition_ranks(values: Mapping[str, Decimal | int]) -> dict[str, int]:
    """Rank by value, highest first: rank = 1 + how many have a strictly higher value.

    Two agents tied for first are both 1st and the next one is 3rd (no 2nd).
    """
    ordered = sorted(values.items(), key=lambda kv: (-kv[1], kv[0]))
    ranks: dict[str, int] = {}
    for position, (key, value) in enumerate(ordered, start=1):
        previous = ordered[position - 2] if position > 1 else None
        if previous is not None and previous[1] == value:
            ranks[key] = ranks[previous[0]]
        else:
            ranks[key] = position
    return dict(sorted(ranks.items()))
