"""Medians, spreads and pair-by-pair ratios (median of per-round ratios)."""

from __future__ import annotations

import statistics
from typing import Any


def summary(values: list[float]) -> dict[str, Any]:
    if not values:
        return {"n": 0}
    return {"n": len(values), "median": statistics.median(values), "min": min(values), "max": max(values)}


def paired_ratio(num: list[float | None], den: list[float | None]) -> float | None:
    """Median over rounds of num[r] / den[r], using only rounds where both ran correctly."""
    rs = [a / b for a, b in zip(num, den) if a is not None and b]
    return statistics.median(rs) if rs else None
