"""Durable state: a TinyDB checkpoint plus an fsynced journal, one writer per directory.

See :mod:`ftltui.state.store` for the API (``StateStore.open(dir).table(name)``).
"""

from ftltui.state.store import SCHEMA_VERSION, StateStore, Table, Transaction

__all__ = ["SCHEMA_VERSION", "StateStore", "Table", "Transaction"]
