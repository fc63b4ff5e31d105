"""Vault-encrypted values inside variables, once read.

* :class:`VaultText` is a decrypted value: an ordinary ``str`` to every consumer
  (templates, modules, JSON) that also says "I am a secret", so the redactor finds it
  without knowing variable names; for an inline ``!vault`` value it keeps the envelope,
  so ``inventory --list`` prints ``{"__ansible_vault": ...}`` as ``ansible-inventory`` does.
* :class:`VaultValue` is a value that could not be decrypted. Loading goes on; the
  value fails only where it is used: turning it into text raises the VaultError that
  names the file, the variable and the vault id. It is a mapping
  ``{"__ansible_vault": envelope}`` so listings and JSON show it as Ansible shows it.
"""

from __future__ import annotations

from typing import Any, Iterator, TypeVar

from ftltui.errors import Location
from ftltui.vault.envelope import VaultError
from ftltui.vault.needs import note

_T = TypeVar("_T")

VAULT_KEY = "__ansible_vault"


class VaultText(str):
    """A decrypted vault value (a str); ``envelope`` is set for inline ``!vault`` values."""

    envelope: str | None = None

    def __new__(cls, value: str, envelope: str | None = None) -> "VaultText":
        obj = super().__new__(cls, value)
        obj.envelope = envelope
        return obj

    def __reduce__(self) -> Any:
        return (VaultText, (str(self), self.envelope))


class VaultValue(dict):  # type: ignore[type-arg]
    """An inline vault value that was not decrypted; using it as text raises its reason."""

    def __init__(self, envelope: str, error: VaultError, where: Location | None = None, name: str | None = None) -> None:
        super().__init__({VAULT_KEY: envelope})
        self.error = error
        self.where = where
        self.name = name

    @property
    def envelope(self) -> str:
        return self[VAULT_KEY]

    def reason(self) -> VaultError:
        """The error to raise where the value is used: file:line, variable, vault id, why."""
        var = f"variable '{self.name}'" if self.name else "a vault value"
        error = VaultError(f"{var}: {self.error.message}", self.where or self.error.location)
        error.need = self.error.need
        return error

    def _fail(self) -> Any:
        """Raise the reason; every use of the value as data ends here (ansible: "no vault secrets")."""
        error = self.reason()
        note(error.need)  # used in a job: it failed for want of this vault id's password
        raise error

    def __str__(self) -> str:
        return self._fail()  # type: ignore[no-any-return]

    # Used as data (``| length``, ``when:``, ``==``, loops, ``in``) the value fails as text does: a
    # one-key mapping would read as length 1, true and unequal to anything, all without a word.
    # Listings and JSON read it through dict's own C paths (items(), the size field), not these.
    def __len__(self) -> int:
        return self._fail()  # type: ignore[no-any-return]

    def __bool__(self) -> bool:
        return self._fail()  # type: ignore[no-any-return]

    def __iter__(self) -> Iterator[Any]:
        return self._fail()  # type: ignore[no-any-return]

    def __contains__(self, item: object) -> bool:
        return self._fail()  # type: ignore[no-any-return]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, VaultValue):  # two loads of one file compared (a reload): the envelopes say
            return self.envelope == other.envelope
        return self._fail()  # type: ignore[no-any-return]

    def __ne__(self, other: object) -> bool:
        return not self == other

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<undecrypted vault value {self.name or ''}>".replace(" >", ">")

    def __reduce__(self) -> Any:
        return (VaultValue, (self.envelope, self.error, self.where, self.name))


def vault_texts(value: Any) -> Iterator[VaultText]:
    """Every decrypted vault string inside ``value`` (dicts and lists walked)."""
    return _instances(value, VaultText)


def undecrypted(value: Any) -> Iterator[VaultValue]:
    """Every value inside ``value`` that could not be decrypted."""
    return _instances(value, VaultValue)


def _instances(value: Any, cls: type[_T], _depth: int = 0) -> Iterator[_T]:
    """Every ``cls`` inside nested dicts/lists/tuples (32 levels at most)."""
    if isinstance(value, cls):
        yield value
    elif isinstance(value, dict) and _depth < 32:
        for v in value.values():
            yield from _instances(v, cls, _depth + 1)
    elif isinstance(value, (list, tuple)) and _depth < 32:
        for v in value:
            yield from _instances(v, cls, _depth + 1)


def mark_secret(value: Any, _depth: int = 0) -> Any:
    """The data of a wholly encrypted file with every string made a VaultText (all of it is secret)."""
    if isinstance(value, VaultText) or _depth > 64:
        return value
    if isinstance(value, str):
        return VaultText(value)
    if isinstance(value, dict) and not isinstance(value, VaultValue):
        for k in list(value):
            value[k] = mark_secret(value[k], _depth + 1)
        return value
    if isinstance(value, list):
        value[:] = [mark_secret(v, _depth + 1) for v in value]
        return value
    return value


def to_listing(value: Any, _depth: int = 0) -> Any:
    """``value`` as ``ansible-inventory --list`` shows it: inline vault values as their envelope.

    Decrypted strings from wholly encrypted files (no envelope) are masked: ftl-tui never
    prints a secret (ansible-inventory prints them in clear).
    """
    if isinstance(value, VaultText):
        return {VAULT_KEY: value.envelope} if value.envelope else "********"
    if isinstance(value, VaultValue):
        return {VAULT_KEY: value.envelope}
    if isinstance(value, dict) and _depth < 64:
        return {k: to_listing(v, _depth + 1) for k, v in value.items()}
    if isinstance(value, list) and _depth < 64:
        return [to_listing(v, _depth + 1) for v in value]
    return value
