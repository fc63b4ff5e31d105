"""Retry policy: which failures may be retried, how often, and after how long.

Only transient failures are retried by default: the host was unreachable, timed out,
its gate broke, or the process running the job died (``lost``). Auth and host-key
failures and bad arguments fail the same way every time, so retrying them only
delays the operator. Lost attempts count, so a job that crashes its process cannot
loop forever.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

TRANSIENT_KINDS = frozenset({"unreachable", "timeout", "gate_failed", "lost"})


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 3
    base_delay: float = 1.0
    factor: float = 2.0
    max_delay: float = 60.0
    jitter: float = 0.5  # fraction of the delay that is randomised
    retry_on: frozenset[str] = field(default=TRANSIENT_KINDS)

    def retryable(self, error_kind: str | None) -> bool:
        return error_kind in self.retry_on

    def should_retry(self, attempts_made: int, error_kind: str | None) -> bool:
        return self.retryable(error_kind) and attempts_made < self.max_attempts

    def delay(self, attempts_made: int, rng: random.Random | None = None) -> float:
        """Exponential backoff capped at ``max_delay``, with part of it randomised."""
        raw = min(self.max_delay, self.base_delay * self.factor ** max(0, attempts_made - 1))
        r = (rng or random).random()
        return raw * (1 - self.jitter) + raw * self.jitter * r

    def to_doc(self) -> dict[str, Any]:
        d = {k: getattr(self, k) for k in self.__dataclass_fields__}
        d["retry_on"] = sorted(self.retry_on)
        return d

    @classmethod
    def from_doc(cls, doc: dict[str, Any] | None) -> RetryPolicy:
        if not doc:
            return cls()
        d = dict(doc)
        if "retry_on" in d:
            d["retry_on"] = frozenset(d["retry_on"])
        return cls(**{k: v for k, v in d.items() if k in cls.__dataclass_fields__})
