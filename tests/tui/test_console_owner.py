"""The console owns its state dir for other ``ftl-tui`` processes (issue 16): a real
``ftl-tui play`` in another process, on the same inventory and state dir, becomes a job
of the open console, shows in its Jobs pane live, and prints and exits as it does alone."""

from __future__ import annotations

import asyncio
import re
import sys
from pathlib import Path
from typing import Any

from tuihelpers import ready, screen_text, wait_for

PLAYBOOK = """\
- hosts: all
  gather_facts: false
  tasks:
    - name: append a line
      shell: echo "{{ inventory_hostname }}" >> {{ out }}
    - name: fail on purpose
      command: /bin/false
"""


async def _play(state: Path, inventory: Path, playbook: Path, out: Path) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "ftltui", "play", str(playbook), "-i", str(inventory), "--state-dir", str(state),
        "-e", f"out={out}", stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        stdin=asyncio.subprocess.DEVNULL)
    text, _ = await asyncio.wait_for(proc.communicate(), 180)
    return int(proc.returncode or 0), text.decode()


def _timeless(text: str) -> str:
    """The failed command's result carries its own start/end/delta: the rest must be equal."""
    return re.sub(r'"(delta|end|start)": "[^"]*"', r'"\1": "T"', text)


async def test_play_in_another_process_is_a_job_of_the_open_console(make_app: Any, tmp_path: Path) -> None:
    inventory = tmp_path / "hosts.ini"
    inventory.write_text("[local]\nlocalhost ansible_connection=local ansible_python_interpreter="
                         f"{sys.executable}\n")
    playbook = tmp_path / "site.yml"
    playbook.write_text(PLAYBOOK)
    state = tmp_path / "state"
    app = make_app([str(inventory)], state_dir=state)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await wait_for(pilot, lambda: (state / "api.sock").exists())
        code, out = await _play(state, inventory, playbook, tmp_path / "via-console.txt")
        jobs = list(app.services.jobs.values())
        await pilot.press("4")  # the Jobs pane
        await wait_for(pilot, lambda: "playbook site.yml" in screen_text(app))
    alone_code, alone_out = await _play(tmp_path / "alone", inventory, playbook, tmp_path / "alone.txt")
    assert code == alone_code == 2, out
    assert _timeless(out.replace("via-console.txt", "X")) == _timeless(alone_out.replace("alone.txt", "X"))
    assert (tmp_path / "via-console.txt").read_text() == "localhost\n"  # ran once, by the console's job
    assert len(jobs) == 1 and jobs[0].state == "failed"
