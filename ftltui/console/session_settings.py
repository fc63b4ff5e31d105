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
from typing import TYPE_CHECKING, Any, TypedDict

from ftltui.console.guard import Guard
from ftltui.vault import VaultKeyring

if TYPE_CHECKING:
    from ftltui.console.session import ConsoleSession


class SessionKwargs(TypedDict):
    """``ConsoleSession(state_dir, **kwargs)``'s settings, typed: mypy checks the expansion
    against the constructor (a ``dict[str, Any]`` let a wrong type through)."""

    clock: Callable[[], float]
    forks: int
    concurrency: int
    var_defaults: dict[str, Any]
    ssh_options: dict[str, Any]
    vault: VaultKeyring | None
    roles_path: tuple[str, ...]
    collections_paths: tuple[str, ...]
    guard: Guard | None


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
        return cls(clock=session.clock, forks=session.forks, concurrency=session.concurrency,
                   var_defaults=dict(session.var_defaults), ssh_options=dict(session.ssh_options),
                   vault=session.vault, roles_path=tuple(session.roles_path),
                   collections_paths=tuple(session.collections_paths), guard=session.guard)

    def session_kwargs(self) -> SessionKwargs:
        """The keyword arguments of ``ConsoleSession(state_dir, **...)`` these settings give:
        one expansion, by name (two ints, ``forks`` and ``concurrency``, cannot swap)."""
        return {"clock": self.clock, "forks": self.forks, "concurrency": self.concurrency,
                "var_defaults": dict(self.var_defaults), "ssh_options": dict(self.ssh_options),
                "vault": self.vault, "roles_path": self.roles_path,
                "collections_paths": self.collections_paths, "guard": self.guard}
