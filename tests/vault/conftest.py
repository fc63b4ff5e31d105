"""Fixtures for the vault tests (helpers live in vault_testlib.py, importable under a unique name)."""

from vault_testlib import project  # noqa: F401  (the session fixture)
