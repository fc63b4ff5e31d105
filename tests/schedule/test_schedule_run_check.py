"""``schedule add ... run`` checks the module and its arguments when added (hR finding 11).

docs/schedules.md: a typo is refused now, not when it fires. The module name and its
arguments need no inventory, so they are checked as ``run`` checks them before it
submits; before, these schedules were stored and failed at their first firing.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ftltui.cli import main


@pytest.fixture
def sd(tmp_path: Path) -> list[str]:
    return ["--state-dir", str(tmp_path / "state")]


def _cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("command, message", [
    (["run", "all", "-m", "fiel", "-a", "path=/tmp/x state=touch"], "run: unknown module 'fiel'"),
    (["run", "all", "-m", "nosuchmodule"], "run: unknown module 'nosuchmodule'"),
    (["run", "all", "nosuchmodule"], "run: unknown module 'nosuchmodule'"),
    (["run", "all", "-m", "copy", "-a", "dest=/tmp/x"], "copy: one of these arguments is required: content, src"),
    (["run", "all", "-m", "file", "-a", "path=/tmp/x stat=touch"], "stat"),
])
def test_a_bad_module_or_argument_is_refused_and_nothing_is_stored(capsys, sd, command: list[str],
                                                                   message: str) -> None:
    code, _, err = _cli(capsys, "schedule", "add", "0 3 * * *", *command, *sd)
    assert code == 4 and message in err, err
    assert json.loads(_cli(capsys, "schedule", "list", "--json", *sd)[1]) == []


def test_the_same_command_as_run_refuses_it_too(capsys, tmp_path: Path, sd) -> None:
    """What ``schedule add`` refuses is what ``run`` refuses, with the same words."""
    inv = tmp_path / "inv.ini"
    inv.write_text("h1 ansible_connection=local\n")
    code, _, run_err = _cli(capsys, "run", "h1", "-i", str(inv), "-m", "copy", "-a", "dest=/tmp/x", *sd)
    assert code == 4
    code, _, add_err = _cli(capsys, "schedule", "add", "0 3 * * *", "run", "h1", "-m", "copy", "-a", "dest=/tmp/x", *sd)
    assert code == 4
    assert "copy: one of these arguments is required: content, src" in run_err
    assert "copy: one of these arguments is required: content, src" in add_err


@pytest.mark.parametrize("command", [
    ["run", "all", "-m", "file", "-a", "path=/tmp/x state=touch"],
    ["run", "all", "-a", "uptime"],  # the default module, command
    ["run", "all", "-m", "copy", "-a", "content={{ motd }} dest=/etc/motd"],  # templated: judged when it runs
    ["run", "all", "ping"],
])
def test_good_run_schedules_are_stored(capsys, sd, command: list[str]) -> None:
    code, _, err = _cli(capsys, "schedule", "add", "0 3 * * *", *command, *sd)
    assert code == 0, err
    assert len(json.loads(_cli(capsys, "schedule", "list", "--json", *sd)[1])) == 1
