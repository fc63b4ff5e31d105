"""``pip install ftl-tui[ansible]`` (issue 14's second way in, beside ``pip install ftl-tui ansible``)
installs the Ansible the tests compare against: the extra exists and pins what the test extra pins."""

from __future__ import annotations

import tomllib
from pathlib import Path

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


def test_the_ansible_extra_pins_the_tested_ansible() -> None:
    extras = tomllib.loads(PYPROJECT.read_text())["project"]["optional-dependencies"]
    assert "ansible" in extras, "pyproject.toml has no [ansible] extra"
    tested = {d for d in extras["test"] if d.split(">")[0].split("=")[0].strip() in ("ansible", "ansible-core")}
    assert set(extras["ansible"]) == tested
