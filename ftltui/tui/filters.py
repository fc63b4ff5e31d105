"""Pane filters: a regex typed after ``/``; a leading ``!`` inverts it.

Kept free of textual so the matching rules are tested without a screen. An invalid
regex falls back to a literal substring match rather than failing: the operator is
typing and half a regex (``web[``) is normal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class PaneFilter:
    text: str = ""

    @property
    def active(self) -> bool:
        return bool(self.pattern_text)

    @property
    def inverted(self) -> bool:
        return self.text.startswith("!")

    @property
    def pattern_text(self) -> str:
        return self.text[1:] if self.inverted else self.text

    def compiled(self) -> re.Pattern[str]:
        try:
            return re.compile(self.pattern_text, re.IGNORECASE)
        except re.error:
            return re.compile(re.escape(self.pattern_text), re.IGNORECASE)

    def matches(self, value: str) -> bool:
        if not self.active:
            return True
        found = self.compiled().search(value) is not None
        return not found if self.inverted else found

    def apply(self, values: list[str]) -> list[str]:
        if not self.active:
            return list(values)
        rx = self.compiled()
        inv = self.inverted
        return [v for v in values if (rx.search(v) is None) == inv]
