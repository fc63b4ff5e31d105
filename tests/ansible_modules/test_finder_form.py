"""The console's run form for an Ansible module: fields from its options, validated as you type, run for real.

The file the form's run leaves behind is compared with the one ``ansible -m`` leaves for
the same arguments (Ansible decides what is correct).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from textual.widgets import Input, Select

from ftltui.ansible_modules import finder

TUI_TESTS = Path(__file__).resolve().parent.parent / "tui"
sys.path.insert(0, str(TUI_TESTS))
from tuihelpers import ready, wait_for  # noqa: E402

pytestmark = [
    pytest.mark.ansible,
    pytest.mark.skipif(shutil.which("ansible") is None, reason="ansible-core not installed"),
    pytest.mark.skipif(finder.find_collection("community.general", finder.collection_roots()) is None,
                       reason="the ansible package (community.general) is not installed"),
]
SIZE = (120, 40)


def make_app(tmp_path: Path):
    from ftltui.tui.app import FtlApp

    state = tmp_path / "state"
    state.mkdir()
    return FtlApp([str(TUI_TESTS / "fixtures" / "inventory.yml")], state, clock=lambda: 1_700_000_000.0,
                  snapshot_mode=True, watch=False, keymap_dirs=[state])


async def _set(pilot, field: str, value: str) -> None:
    pilot.app.screen.query_one(f"#arg-{field}", Input).value = value
    await pilot.pause()


async def test_run_form_for_a_collection_module(tmp_path: Path) -> None:
    from ftltui.tui.screens.run_form import RunFormScreen

    target = tmp_path / "form.ini"
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        assert "community.general.ini_file" in app.completion_values("module")  # `:run` completes them too
        await pilot.press("j", "j", "space", "r")
        await wait_for(pilot, lambda: isinstance(app.screen, RunFormScreen))
        form = app.screen
        assert "community.general.ini_file" in form.names and form.names[0] == "command"  # natives first
        await pilot.press(*"community.general.ini_file", "enter")
        await pilot.pause()
        assert form.module == "community.general.ini_file"
        assert form.error == "community.general.ini_file: missing required arguments: path"  # Ansible's words
        state = form.query_one("#arg-state", Select)  # choices from DOCUMENTATION
        assert {str(v) for _, v in state._options if isinstance(v, str) and type(v) is str} >= {"absent", "present"}
        assert isinstance(form.query_one("#arg-backup"), Select)  # a bool is a yes/no select
        await _set(pilot, "path", str(target))
        await _set(pilot, "section", "db")
        await _set(pilot, "option", "port")
        await _set(pilot, "value", "5432")
        assert form.error is None
        await _set(pilot, "values", '["1", "2"]')
        assert form.error is not None and "mutually exclusive: value|values" in form.error  # Ansible's words
        await _set(pilot, "values", "")
        await _set(pilot, "mode", "0640")
        assert form.error is None
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: app.services.jobs and all(
            j.state in ("succeeded", "failed", "dead") for j in app.services.jobs.values()))
        job = next(iter(app.services.jobs.values()))
        assert job.state == "succeeded" and app.services.host_results(job) == {"localhost": "changed"}

    oracle = tmp_path / "oracle.ini"
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    env.update(ANSIBLE_LOCAL_TEMP=str(tmp_path / "ansible-tmp"), ANSIBLE_PYTHON_INTERPRETER=sys.executable)
    args = {"path": str(oracle), "section": "db", "option": "port", "value": "5432", "mode": "0640"}
    proc = subprocess.run(["ansible", "localhost", "-i", "localhost,", "-c", "local", "-m",
                           "community.general.ini_file", "-a", json.dumps(args)], capture_output=True, text=True,
                          env=env, cwd=tmp_path, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert target.read_bytes() == oracle.read_bytes()
    assert oct(target.stat().st_mode & 0o777) == oct(oracle.stat().st_mode & 0o777) == "0o640"
