"""Which vault ids a job lacked a password for, carried as data from where decryption failed.

A console that asks for a vault password after a job failed for want of one must know
which vault id to ask for. Reading it back out of the job's reason text let a host's
message (part of that text) name any vault id it liked: pop a prompt for it, or make the
console drop a password the operator typed (session 10 review; session 11 defect 1). So
the keyring notes a :class:`VaultNeed` where its decryption fails, into the collector of
the job being run (a context variable: a job's tasks and threads started with
``asyncio.to_thread`` share it), and the session hands the set to the face with the job's
failure (``JobChanged.vault_needs``). Nothing here holds a password or decrypted text.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class VaultNeed:
    """A vault id data needed: ``wrong`` False when no password was given for it, True when
    the one given did not open it (a mistyped password, or tampered data)."""

    vault_id: str
    wrong: bool = False


_COLLECTOR: ContextVar[set[VaultNeed] | None] = ContextVar("ftl_vault_needs", default=None)


def note(need: VaultNeed | None) -> None:
    """Record ``need`` for the job being run, if any (a load outside a job records nothing)."""
    collector = _COLLECTOR.get()
    if need is not None and collector is not None:
        collector.add(need)


@contextmanager
def collected() -> Iterator[set[VaultNeed]]:
    """The needs noted while the ``with`` body runs (and in what it starts)."""
    needs: set[VaultNeed] = set()
    token = _COLLECTOR.set(needs)
    try:
        yield needs
    finally:
        _COLLECTOR.reset(token)
