"""Secret redaction: every text that leaves the engine passes through a Redactor.

Redaction is by value, not by key: a password that a remote command echoes back is
caught in its stdout too. Longer secrets are replaced first so a secret that contains
another is not half-replaced.
"""

from __future__ import annotations

import re
import weakref
from typing import Any, Iterable

from ftltui.vault.values import VaultText

MASK = "********"

# A template error's message that can only name things, never quote a value: Jinja's undefined
# forms (``'x' is undefined``, ``object of type 'dict' has no attribute 'y'``), optionally after
# ftl-tui's "where" prefix. A filter's error quotes the value it was given (``time data
# 'Sup3r...'``): under ``no_log`` that text is hidden (:func:`no_log_template_error`).
# A vault value that cannot be decrypted is told in ftl-tui's own words (ftltui/vault/secrets.py),
# which name the variable or file and the vault id, never the plaintext.
_NAMES_ONLY = re.compile(r"(?:^|: )(?:'[^']*' is undefined|object of type '[^']*' has no attribute '[^']*')$"
                         r"|(?:^|: )(?:cannot decrypt .*? \(vault id '[^']*'\): |no vault password given for vault id )")
NO_LOG_TEMPLATE_ERROR = ("the task's arguments could not be templated; the error's text is hidden because the task "
                         "has no_log (it may quote a value): run it without no_log to see it")


def names_only(message: str) -> bool:
    """Does a template error's message only name a variable or an attribute (safe under no_log)?"""
    return bool(_NAMES_ONLY.search(message.strip()))


def no_log_template_error(message: str) -> str:
    """What a ``no_log`` task's template error may show: the message when it only names a
    variable, else :data:`NO_LOG_TEMPLATE_ERROR` (session 10 review: a filter's error quoted a
    ``no_log`` value, which reached the screen and the job log)."""
    return message if names_only(message) else NO_LOG_TEMPLATE_ERROR


# leaves that can never hold a VaultText (an exact type test: VaultText is a str subclass)
_PLAIN_LEAVES = frozenset({str, int, float, bool, type(None), bytes})


def _mask_vault_texts(value: Any, depth: int = 0) -> Any:
    """``value`` with every VaultText replaced by the mask (containers copied only when one is found).

    Every job record save passes through here (all its hosts' results: ~16,000 values at
    1,000 hosts), on the console's event loop: plain leaves are skipped by an exact type
    test and a container is copied only from its first changed item (12.6 -> 3.1 ms per
    1,000-host results save, bench/RESULTS-scale.md)."""
    kind = type(value)
    if kind in _PLAIN_LEAVES:
        return value
    if isinstance(value, VaultText):
        return MASK
    if depth > 64:
        return value
    if kind is dict or isinstance(value, dict):
        out: dict[Any, Any] | None = None
        for k, v in value.items():
            nv = v if type(v) in _PLAIN_LEAVES else _mask_vault_texts(v, depth + 1)
            if nv is not v:
                if out is None:
                    out = dict(value)
                out[k] = nv
        return value if out is None else out
    if isinstance(value, (list, tuple)):
        items: list[Any] | None = None
        for i, v in enumerate(value):
            nv = v if type(v) in _PLAIN_LEAVES else _mask_vault_texts(v, depth + 1)
            if nv is not v:
                if items is None:
                    items = list(value)
                items[i] = nv
        return value if items is None else type(value)(items)
    return value


class Redactor:
    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._secrets: set[str] = set()
        self._pattern: re.Pattern[str] | None = None
        self.add(secrets)
        _LIVE.add(self)

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
        """Redact strings anywhere inside dicts/lists/tuples (keys included).

        A vault-decrypted string (:class:`~ftltui.vault.VaultText`) is masked whole even if
        nobody registered it: it may reach a record (a job's ``-e`` vars) by a path that
        never met a redactor that knew it.
        """
        if isinstance(value, VaultText):
            return MASK
        if self._pattern is None:
            return _mask_vault_texts(value)
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {self.obj(k): self.obj(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return type(value)(self.obj(v) for v in value)
        return value


# Every Redactor alive in this process: the last-resort error report (cli.report_unexpected)
# masks what any of them knows, as the job log does.
_LIVE: weakref.WeakSet[Redactor] = weakref.WeakSet()


def process_secrets() -> set[str]:
    """The secrets every live Redactor of this process knows."""
    out: set[str] = set()
    for redactor in list(_LIVE):
        out |= redactor.secrets
    return out
