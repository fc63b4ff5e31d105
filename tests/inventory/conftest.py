"""Fixtures for the inventory tests (helpers live in inventory_testlib.py)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

import pytest
from inventory_testlib import HAVE_ANSIBLE, write_tree


@pytest.fixture
def tree(tmp_path: Path) -> Callable[[dict[str, str]], Path]:
    return lambda files: write_tree(tmp_path / "inv", files)


@pytest.fixture(scope="session")
def ansible_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Environment for quiet, isolated ansible runs (own config, temp and cache dirs)."""
    if not HAVE_ANSIBLE:
        pytest.skip("ansible-core is not installed")
    base = tmp_path_factory.mktemp("ansible")
    cfg = base / "ansible.cfg"
    cfg.write_text("[defaults]\n")
    env = dict(os.environ)
    env.update(
        ANSIBLE_CONFIG=str(cfg),
        ANSIBLE_HOME=str(base / "home"),
        ANSIBLE_LOCAL_TEMP=str(base / "tmp"),
        ANSIBLE_CACHE_PLUGIN_CONNECTION=str(base / "cache"),
        ANSIBLE_DEPRECATION_WARNINGS="False",
        ANSIBLE_HOST_PATTERN_MISMATCH="ignore",
        ANSIBLE_INVENTORY_UNPARSED_WARNING="False",
        ANSIBLE_LOCALHOST_WARNING="False",
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_FORCE_COLOR="0",
        PYTHONHASHSEED="0",
    )
    return env


