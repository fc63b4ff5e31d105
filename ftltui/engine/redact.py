"""Secret redaction: every text that leaves the engine passes through a Redactor.

Redaction is by value, not by key: a password that a remote command echoes back is
caught in its stdout too. Longer secrets are replaced first so a secret that contains
another is not half-replaced.
"""

from __future__ import annotations

import re
from typing import Any, Iterable

MASK = "********"


class Redactor:
    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._secrets: set[str] = set()
        self._pattern: re.Pattern[str] | None = None
        self.add(secrets)

    def add(self, secrets: Iterable[str]) -> None:
        new = {str(s) for s in secrets if s is not None and str(s) != ""}
        if new - self._secrets:
            self._secrets |= new
            ordered = sorted(self._secrets, key=len, reverse=True)
            self._pattern = re.compile("|".join(re.escape(s) for s in ordered))

    @property
    def secrets(self) -> frozenset[str]:
        return frozenset(self._secrets)

    def text(self, value: str) -> str:
        if self._pattern is None or not value:
            return value
        return self._pattern.sub(MASK, value)

    def obj(self, value: Any) -> Any:
        """Redact strings anywhere inside dicts/lists/tuples (keys included)."""
        if self._pattern is None:
            return value
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {self.obj(k): self.obj(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return type(value)(self.obj(v) for v in value)
        return value
