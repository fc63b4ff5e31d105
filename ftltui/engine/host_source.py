"""What the engine reads of an inventory: :class:`HostSource`.

The executor, its SSH runner and its templates need a handful of things from an inventory
(select a pattern's hosts, look a host up by name for ``hostvars`` and jump hops, the
``groups`` magic variable, the vault keyring whose values are secrets); naming them here lets
the engine be typed without importing the inventory package's loader, and lets a worker
hand it a stand-in (a site worker's live inventory, a shard worker before the controller
has sent one) that mypy checks against the same contract.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from ftltui.inventory.model import Host


class SecretTexts(Protocol):
    """A vault keyring, as the redactor sees it: every text it must mask."""

    def secret_texts(self) -> list[str]: ...


class HostSource(Protocol):
    """The inventory surface the engine uses (``ftltui.inventory.Inventory`` is one)."""

    @property
    def hosts(self) -> Mapping[str, Host]:
        """Every host by inventory name (``hostvars``, jump hops named by host)."""
        ...

    @property
    def vault(self) -> SecretTexts | None:
        """The keyring the inventory was decrypted with (its passwords and values are secrets)."""
        ...

    @property
    def last_unmatched(self) -> Sequence[str]:
        """The terms of the last :meth:`select` that matched no host (warned about per run)."""
        ...

    def select(self, pattern: str) -> list[Host]:
        """The hosts of an Ansible host pattern, in inventory order; a bad pattern raises
        :class:`~ftltui.errors.PatternError`."""
        ...

    def groups_magic(self) -> dict[str, list[str]]:
        """Ansible's ``groups`` variable: group name -> host names."""
        ...
