"""Is asyncssh still what our three patches of its private behaviour were written against?

Three speed-ups in this package lean on asyncssh internals, not on its public API:

- ``coalesce.skip_aead_ignores`` answers ``SSHConnection.send_packet`` first, to drop the
  empty ``SSH_MSG_IGNORE`` that ``send_packet`` puts in front of every packet; it reads the
  connection's ``_send_encryption`` to know whether the cipher is an AEAD one.
- ``coalesce._Relay`` gathers writes only once the connection's ``_auth_complete`` is set.
- ``ssh_config`` replaces the ``shlex`` that ``asyncssh.config`` splits each config line with.

A new asyncssh may rename, move or rework any of these. Each patch asks this module first and,
if the answer is no, leaves asyncssh alone (its normal behaviour: an IGNORE per packet, a
``send`` per packet, ``shlex`` per line), with one debug log line saying why. Slower, never
broken: a patch that guessed wrong could crash a connection or, worse, corrupt its stream.

The checks are cheap and made once per class: the asyncssh version is inside the range this
code was tested with (also the range ``pyproject.toml`` pins), and the functions we hook still
name the attributes we read (their compiled code's ``co_names``: a renamed attribute or a
reworked ``send_packet`` no longer does).
"""

from __future__ import annotations

import inspect
import logging
import re
import shlex
from collections.abc import Callable
from types import ModuleType
from typing import Any

import asyncssh

log = logging.getLogger(__name__)

TESTED_MIN = (2, 21)
"""Oldest asyncssh this package was tested with: 2.21.0 and 2.24.1 pass tests/ssh's coalesce,
config and guard tests; 2.14 and 2.17 do not (their ``SSHClientConfig`` takes other arguments)."""
TESTED_BELOW = (2, 25)
"""First asyncssh version not yet checked (exclusive upper bound; pyproject.toml pins the same)."""


def version_tuple(text: str) -> tuple[int, ...]:
    """``"2.24.1"`` -> ``(2, 24, 1)``; leading numeric parts only (``"2.25.0rc1"`` -> ``(2, 25, 0)``)."""
    out: list[int] = []
    for part in text.split("."):
        m = re.match(r"\d+", part)
        if m is None:
            break
        out.append(int(m.group()))
        if m.end() != len(part):
            break
    return tuple(out)


def version_reason(version: str | None = None) -> str | None:
    """None if ``version`` (default: the installed asyncssh) is in the tested range, else why not."""
    text = asyncssh.__version__ if version is None else version
    v = version_tuple(text)
    if not v or not (TESTED_MIN <= v < TESTED_BELOW):
        lo, hi = ".".join(map(str, TESTED_MIN)), ".".join(map(str, TESTED_BELOW))
        return f"asyncssh {text} is outside the tested range >={lo},<{hi}"
    return None


def _names(func: Any) -> frozenset[str]:
    code = getattr(inspect.unwrap(func), "__code__", None) if callable(func) else None
    return frozenset(code.co_names) if code is not None else frozenset()


def _init_sets(conn_class: type, attr: str) -> bool:
    """Some ``__init__`` in the class's MRO assigns ``attr`` (by name, in its code)."""
    return any(attr in _names(c.__dict__.get("__init__")) for c in conn_class.__mro__)


def _first_reason(*checks: tuple[bool, str]) -> str | None:
    for ok, why in checks:
        if not ok:
            return why
    return None


_CACHE: dict[tuple[str, type], str | None] = {}


def _cached(kind: str, conn_class: type, check: Callable[[type], str | None]) -> str | None:
    key = (kind, conn_class)
    if key not in _CACHE:
        _CACHE[key] = check(conn_class)
    return _CACHE[key]


def ignore_skip_reason(conn_class: type) -> str | None:
    """None if dropping the AEAD ``IGNORE`` padding is safe on ``conn_class``, else why not.

    Safe means: ``send_packet(self, pkttype, *args, handler=...)`` is the method that inserts the
    padding (it calls ``self.send_packet`` with ``MSG_IGNORE`` when ``_send_encryption`` is set)
    and ``__init__`` still creates ``_send_encryption``. Checked once per class."""
    return _cached("ignore", conn_class, _ignore_skip_reason)


def _ignore_skip_reason(conn_class: type) -> str | None:
    why = version_reason()
    if why:
        return why
    send = getattr(conn_class, "send_packet", None)
    try:
        params = list(inspect.signature(send).parameters.values()) if send is not None else []
    except (TypeError, ValueError):
        params = []
    shape = [p.kind for p in params[:3]]
    return _first_reason(
        (send is not None, f"{conn_class.__name__} has no send_packet"),
        (shape == [inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.POSITIONAL_OR_KEYWORD,
                   inspect.Parameter.VAR_POSITIONAL] and any(p.name == "handler" for p in params),
         f"{conn_class.__name__}.send_packet is not send_packet(self, pkttype, *args, handler=None)"),
        ({"MSG_IGNORE", "_send_encryption", "send_packet"} <= _names(send),
         f"{conn_class.__name__}.send_packet no longer inserts IGNORE packets the way it did"),
        (_init_sets(conn_class, "_send_encryption"),
         f"{conn_class.__name__}.__init__ sets no _send_encryption"),
    )


def coalesce_reason(conn_class: type) -> str | None:
    """None if gathering writes after authentication is safe on ``conn_class``, else why not
    (it needs the ``_auth_complete`` flag that ``__init__`` sets and authentication raises).
    Checked once per class."""
    return _cached("coalesce", conn_class, _coalesce_reason)


def _coalesce_reason(conn_class: type) -> str | None:
    why = version_reason()
    if why:
        return why
    return _first_reason(
        (_init_sets(conn_class, "_auth_complete"),
         f"{conn_class.__name__}.__init__ sets no _auth_complete"),
    )


def split_patch_reason(config_module: ModuleType) -> str | None:
    """None if ``config_module.shlex`` may be replaced by a caching splitter, else why not: the
    module must still import ``shlex`` and split lines with it in ``SSHConfig.parse``."""
    why = version_reason()
    if why:
        return why
    parse = getattr(getattr(config_module, "SSHConfig", None), "parse", None)
    return _first_reason(
        (getattr(config_module, "shlex", None) is shlex or getattr(config_module.shlex, "ftl_split_once", False),
         "asyncssh.config no longer uses the shlex module"),
        ("shlex" in _names(parse) and "split" in _names(parse),
         "asyncssh.config.SSHConfig.parse no longer splits lines with shlex.split"),
    )


_logged: set[str] = set()


def fall_back(patch: str, reason: str) -> None:
    """One debug line per patch and reason: asyncssh's normal behaviour is used instead."""
    key = f"{patch}: {reason}"
    if key not in _logged:
        _logged.add(key)
        log.debug("asyncssh patch %s not applied, using asyncssh's own behaviour: %s", patch, reason)
