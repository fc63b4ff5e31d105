"""An attached console starts from each host's latest state in the owner's jobs, the same
in the tree, the header and a group's detail (hG session 11, finding 9).

Before: a console attaching after jobs had ended showed every host unknown (``·``), and a
group's detail kept saying ``unknown N`` after a job's end had marked its hosts in the
tree. The owner is a real ``ftl-tui daemon``; the jobs are real ``ftl-tui play`` clients.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from daemonhelp import FTL, serving_daemon
from test_pilot_attach import attached
from tuihelpers import screen_text, wait_for

FAIL_ON_L1 = """\
- hosts: all
  gather_facts: false
  tasks:
    - fail: {msg: l1 fails}
      when: inventory_hostname == 'l1'
"""
CHANGE_BOTH = "- hosts: all\n  gather_facts: false\n  tasks:\n    - command: /bin/true\n"


@pytest.fixture
def inventory(tmp_path: Path) -> Path:
    path = tmp_path / "hosts.ini"
    path.write_text("".join(f"{h} ansible_connection=local ansible_python_interpreter={sys.executable}\n"
                            for h in ("l1", "l2")))
    return path


@pytest.fixture
def daemon(tmp_path: Path, inventory: Path) -> Iterator[subprocess.Popen[str]]:
    yield from serving_daemon(tmp_path / "state", inventory=str(inventory))


def _play(tmp_path: Path, inventory: Path, text: str) -> int:
    book = tmp_path / "book.yml"
    book.write_text(text)
    return subprocess.run([*FTL, "play", str(book), "-i", str(inventory), "--state-dir", str(tmp_path / "state")],
                          capture_output=True, text=True, timeout=120, check=False).returncode


async def _attach_and_read(make_app: Any, tmp_path: Path, inventory: Path,
                           then: str | None = None) -> tuple[dict[str, str], str, str]:
    """What an attach shows; with ``then``, also what it shows after that playbook, run by
    another client while it is attached, has ended."""
    app = make_app([str(inventory)], state_dir=tmp_path / "state")
    async with app.run_test(size=(120, 40)) as pilot:
        await attached(pilot)
        await wait_for(pilot, lambda: len(app.inventory_pane().status) == 2)
        await pilot.pause()
        status, text = dict(app.inventory_pane().status), screen_text(app)
        after = ""
        if then is not None:
            seen = max(app.services.jobs)
            _play(tmp_path, inventory, then)
            await wait_for(pilot, lambda: any(j.id > seen and j.terminal for j in app.services.jobs.values()))
            await wait_for(pilot, lambda: app.inventory_pane().status == {"l1": "changed", "l2": "changed"})
            await pilot.pause()
            after = screen_text(app)
        return status, text, after


async def test_an_attach_shows_each_hosts_latest_state_everywhere(
        make_app: Any, tmp_path: Path, inventory: Path, daemon: subprocess.Popen[str]) -> None:
    assert _play(tmp_path, inventory, FAIL_ON_L1) == 2
    assert _play(tmp_path, inventory, CHANGE_BOTH) == 0
    status, text, _ = await _attach_and_read(make_app, tmp_path, inventory)
    assert status == {"l1": "changed", "l2": "changed"}  # the later job's, not the failed one's
    assert "changed 2" in text and "failed" not in text.split("status", 1)[0], text  # the header
    assert "status   changed 2" in text, text  # the group's detail beside the tree

    assert _play(tmp_path, inventory, FAIL_ON_L1) == 2  # l1 fails again; l2 was skipped: ok
    status, text, after = await _attach_and_read(make_app, tmp_path, inventory, then=CHANGE_BOTH)
    assert status == {"l1": "failed", "l2": "ok"}
    assert "failed 1" in text and "status   failed 1, ok 1" in text, text
    # a job that ends while attached: the group's detail follows the tree and the header
    assert "changed 2" in after and "status   changed 2" in after, after
