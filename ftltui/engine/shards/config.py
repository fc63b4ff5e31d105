"""What a shard worker's Executor is built with (the controller Executor's settings)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ShardConfig:
    """Sent once per worker on the pipe. ``forks`` is the worker's share of the controller's forks;
    ``ssh_options`` may name key files or passwords: it travels only on the pipe."""

    forks: int
    secret_vars: frozenset[str] = frozenset()
    ssh_options: dict[str, Any] = field(default_factory=dict)
    base_dir: str | None = None
