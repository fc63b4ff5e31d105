"""A small fuzzy matcher for the module picker and ``:`` completion.

Subsequence matching with a score that favours a prefix, contiguous runs and word
starts, so ``cmd`` ranks ``command`` above ``copy_dir_mode``. Plain Python.
"""

from __future__ import annotations


def score(query: str, candidate: str) -> float | None:
    """Score ``candidate`` for ``query`` (higher is better); ``None`` if it does not match."""
    if not query:
        return 0.0
    q = query.lower()
    c = candidate.lower()
    if c.startswith(q):
        return 1000.0 - len(c)
    if q in c:
        return 500.0 - c.index(q) - len(c) / 100
    # subsequence: a short span wins (letters close together), word starts add a little
    first = -1
    pos = -1
    starts = 0
    for ch in q:
        nxt = c.find(ch, pos + 1)
        if nxt < 0:
            return None
        if first < 0:
            first = nxt
        if nxt == 0 or c[nxt - 1] in "_-. /:":
            starts += 1
        pos = nxt
    span = pos - first + 1
    return 100.0 - span + 2 * starts - len(c) / 100


def rank(query: str, candidates: list[str], limit: int | None = None) -> list[str]:
    """Candidates matching ``query``, best first (stable for equal scores)."""
    scored = [(s, i, c) for i, c in enumerate(candidates) if (s := score(query, c)) is not None]
    scored.sort(key=lambda t: (-t[0], t[1]))
    out = [c for _, _, c in scored]
    return out[:limit] if limit else out
