"""The project's error types.

Every error a user can cause is an :class:`FtlError` carrying where it happened, so
the CLI and the TUI print one line (``inventory.yml:12:5: expected a mapping``) and
never a traceback. Transport errors carry the host and the hop that failed.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Location:
    """A place in a user's file; ``line``/``col`` are 1-based, 0 means unknown."""

    file: str
    line: int = 0
    col: int = 0

    def __str__(self) -> str:
        if self.line and self.col:
            return f"{self.file}:{self.line}:{self.col}"
        if self.line:
            return f"{self.file}:{self.line}"
        return self.file


class FtlError(Exception):
    """Base of every error ftl-tui reports to a user (exit status 4 on the CLI)."""

    def __init__(self, message: str, location: Location | None = None) -> None:
        self.message = message
        self.location = location
        super().__init__(f"{location}: {message}" if location else message)


class InventoryError(FtlError):
    """An inventory file or directory could not be loaded."""


class PatternError(FtlError):
    """A host pattern is malformed or matches nothing it must match."""


class ModuleArgsError(FtlError):
    """Arguments to a module failed validation (before anything ran)."""


class UnknownModuleError(FtlError):
    """No module of that name exists."""


class TemplateError(FtlError):
    """A ``{{ var }}`` in an argument could not be rendered (e.g. undefined variable)."""


class WorkflowError(FtlError):
    """A workflow file is invalid (unknown module, cycle, bad dependency, ...)."""


class DriftConfigError(FtlError):
    """A drift config or ignore file is invalid."""


class StateError(FtlError):
    """The state store cannot be opened or written (locked, corrupt, full disk)."""


UNEXPECTED = "Unexpected Exception, this is probably a bug"


def unexpected_message(exc: BaseException) -> str:
    """ansible-core 2.19's words for an exception no layer turned into an error for users
    (its CLI's exit 250; read from ``ansible/cli/__init__.py`` and checked against it):
    the message, then each explicit cause's (``raise ... from``), joined by ``": "``; a
    bare ``.`` when none has text. The CLI and a job's log both say it so."""
    texts, visited = [], set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in visited:  # a cycle of causes ends
        visited.add(id(cause))
        if str(cause):
            texts.append(str(cause))
        cause = cause.__cause__
    return f"{UNEXPECTED}: {': '.join(texts)}" if texts else f"{UNEXPECTED}."


# -- transport / execution errors ------------------------------------------------------


class HostError(Exception):
    """Base of per-host execution failures; ``kind`` is the classification shown to users."""

    kind = "failed"
    # shown as ``UNREACHABLE!`` (status ``unreachable``), as Ansible shows every failure to
    # connect, log in or trust the host key; ``kind`` still tells them apart
    unreachable = False
    transient = False  # may a retry help?

    def __init__(self, host: str, message: str, *, hop: str | None = None) -> None:
        self.host = host
        self.hop = hop
        self.message = message
        super().__init__(message)


class Unreachable(HostError):
    """Connection refused, timed out, no route, DNS failure (at ``hop``)."""

    kind = "unreachable"
    transient = True
    unreachable = True


class ConnectionLost(Unreachable):
    """The connection broke while a module was running: the module may have run (or
    still be running), so a retry must treat the host as uncertain, not as never reached."""

    kind = "connection_lost"


class AuthFailed(HostError):
    kind = "auth_failed"
    unreachable = True


class HostKeyRejected(HostError):
    kind = "host_key_rejected"
    unreachable = True


class GateFailed(HostError):
    """The remote gate could not start, died, hung or spoke nonsense."""

    kind = "gate_failed"
    transient = True
