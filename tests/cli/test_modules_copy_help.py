"""``ftl-tui modules copy`` says where ``src`` is read (hR finding 20).

The controller uploads ``src`` (as Ansible does): the help used to say it was read "on
the host running the module", the opposite of what happens.
"""

from __future__ import annotations

import pytest

from ftltui.cli import main


def test_copy_src_help_names_the_controller(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["modules", "copy"]) == 0
    out = capsys.readouterr().out
    src = next(line for line in out.splitlines() if line.split()[:1] == ["src"])
    assert "controller" in src, src
    assert "host running the module" not in out
