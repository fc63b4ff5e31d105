"""The settings a face gives its :class:`~ftltui.console.session.ConsoleSession`, as a record.

An attached session (:class:`~ftltui.console.remote_session.RemoteConsoleSession`) is
built with the settings of the session the face made to own the directory, and a
take-over builds an owner with the attached one's: this record is what they share
(not the state: jobs, queue, feed). Typed, so a misspelt setting is a type error rather
than a ``**kwargs`` that fails at run time; the vault, SSH options (a key passphrase
prompt) and variable defaults stay out of its repr.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ftltui.console.guard import Guard
from ftltui.vault import VaultKeyring

if TYPE_CHECKING:
    from ftltui.console.session import ConsoleSession


@dataclass(frozen=True)
class SessionSettings:
    clock: Callable[[], float] = time.time
    forks: int = 50
    concurrency: int = 8
    var_defaults: Mapping[str, Any] = field(default_factory=dict, repr=False)  # ansible.cfg's settings
    ssh_options: Mapping[str, Any] = field(default_factory=dict, repr=False)  # e.g. a key passphrase prompt
    vault: VaultKeyring | None = field(default=None, repr=False)
    roles_path: tuple[str, ...] = ()
    collections_paths: tuple[str, ...] = ()
    guard: Guard | None = None

    @classmethod
    def of(cls, session: ConsoleSession) -> SessionSettings:
        """The constructor settings of ``session`` (not its state: jobs, queue, feed)."""
        return cls(session.clock, session.forks, session.concurrency, dict(session.var_defaults),
                   dict(session.ssh_options), session.vault, tuple(session.roles_path),
                   tuple(session.collections_paths), session.guard)
