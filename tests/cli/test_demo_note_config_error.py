"""A bad ftl-tui setting in ansible.cfg is said first and alone, not after the demo note.

With no inventory anywhere, commands note that they use the bundled demo inventory. When
the ansible.cfg in effect has a bad ``[ftl_sites]`` or ``[ftl_tui]`` value, the command
stops on it (exit 5); the note used to come first, so the one line that matters read as a
consequence of the demo. The real CLI in a subprocess, in a directory with that ansible.cfg.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

NOTE = "using the bundled demo inventory"
REPO = Path(__file__).resolve().parents[2]  # this checkout's ftltui, whatever is installed


def ftl(tmp_path: Path, cfg: str, *args: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "ansible.cfg").write_text(cfg)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANSIBLE_", "FTL_TUI_WORKERS"))}
    env.update(HOME=str(tmp_path), FTL_TUI_HOME=str(tmp_path / "state"), PYTHONPATH=str(REPO))
    return subprocess.run([sys.executable, "-m", "ftltui", *args], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=120, check=False)


@pytest.fixture(autouse=True)
def _no_system_inventory() -> None:
    if Path("/etc/ansible/hosts").exists():
        pytest.skip("/etc/ansible/hosts exists: the demo inventory is not used here")


@pytest.mark.parametrize("cfg, says", [
    ("[ftl_sites]\npickup_timeout = soon\n", "[ftl_sites] pickup_timeout: expected seconds, got 'soon'"),
    ("[ftl_tui]\nworkers = many\n", "[ftl_tui] workers: expected a whole number"),
])
def test_the_config_error_comes_alone(tmp_path: Path, cfg: str, says: str) -> None:
    r = ftl(tmp_path, cfg, "run", "all", "-m", "ping")
    assert r.returncode == 5, (r.returncode, r.stderr)
    assert says in r.stderr
    assert NOTE not in r.stderr, r.stderr


def test_a_command_that_succeeds_still_notes_the_demo(tmp_path: Path) -> None:
    """The note is not lost: a command that never reads the bad section says it at its end."""
    r = ftl(tmp_path, "[ftl_sites]\npickup_timeout = soon\n", "inventory", "--list-hosts", "all")
    assert r.returncode == 0, r.stderr
    assert NOTE in r.stderr and r.stdout.strip()


def test_a_sound_config_notes_the_demo_first(tmp_path: Path) -> None:
    r = ftl(tmp_path, "[defaults]\nforks = 5\n", "inventory", "--list-hosts", "all")
    assert r.returncode == 0 and r.stderr.startswith("ftl-tui: note: no inventory given"), r.stderr
