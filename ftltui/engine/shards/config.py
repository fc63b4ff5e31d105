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
    # A worker's CPU priority below its controller's (``nice`` increment): the controller's one
    # loop takes every worker's events, persists them and, in the console, answers key presses;
    # at equal priority it got a worker's share of the cores and its callbacks stretched (console
    # key press p95 over 100 ms at 1,000 hosts, issue 17). Idle cores still go to the workers.
    nice: int = 10
    # The worker's session (autogroup) nice. With autogroup scheduling (kernel.sched_autogroup_enabled,
    # the default of most distributions' kernels) each session is scheduled as one group, so a
    # worker, which leads a session of its own, is ranked against the console's session and every
    # other one (1,000 co-located sshd sessions in bench --scale) by this, not by ``nice``. Measured
    # (bench/scale_notes.md, session 9; 1,000 hosts on the controller's 2 cores, A/B): at 0 the
    # console's key p95 was 148-510 ms; at 10 38-65 ms but its job took twice as long; at 4 42-85 ms
    # in five runs, the job 1.1-1.5x as long; at 2 66 and 106 ms, the job 1.2x. The workers give
    # way to every other session, co-located hosts included; idle cores still go to them.
    group_nice: int = 4
    # ...and while the operator is at the keys (Executor.set_interactive, from the console): the
    # workers then give the console's session a bigger share, so a key waits less behind the
    # console's own repaints stretched by the wait for a core. At 10 the key p95 was 38-65 ms
    # where 4 gave 42-121 ms (session 9 and 10 runs); the cost, a job slowed on co-located hosts,
    # lasts only while keys are pressed (ConsoleSession.INPUT_WINDOW after the last one).
    input_group_nice: int = 10

    @classmethod
    def of(cls, forks: int, secret_vars: frozenset[str], ssh_options: dict[str, Any],
           base_dir: str | None) -> ShardConfig:
        """The settings a worker process can hold. A face's prompt (``key_passphrase``: the
        console's dialog, ``--ask-key-pass``) lives in the controller and cannot cross the
        pipe: workers go without it, and a key that needs a passphrase the agent does not
        hold fails its host there with ``engine.ssh.keys``' explanation (``ssh-add``)."""
        portable = {k: v for k, v in ssh_options.items() if not callable(v)}
        return cls(forks, secret_vars, portable, base_dir)
