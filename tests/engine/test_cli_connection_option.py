"""``-c/--connection`` as in ``ansible``/``ansible-playbook``: ``-c local`` runs on the
controller; the inventory's ``ansible_connection`` wins over it; a connection ftl-tui does
not have is a usage error (exit 5), never a silent ssh."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from netutil import closed_port


def _ftl(*argv: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ftltui", *argv, "--state-dir", str(cwd / "st")],
                          capture_output=True, text=True, cwd=cwd, timeout=120)


def test_connection_local_runs_here_and_inventory_wins(tmp_path: Path) -> None:
    r = _ftl("run", "web1", "-i", "web1,", "-c", "local", "-m", "command", "-a", "echo here", cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "web1 | CHANGED | rc=0 >>" in r.stdout and "here" in r.stdout
    inv = tmp_path / "hosts.ini"
    inv.write_text(f"far ansible_connection=ssh ansible_host=127.0.0.1 ansible_port={closed_port()}\n")
    r = _ftl("run", "far", "-i", str(inv), "-c", "local", "-m", "ping", cwd=tmp_path)
    assert r.returncode == 3, r.stdout + r.stderr  # the inventory's ssh was used: unreachable
    assert "UNREACHABLE!" in r.stdout


def test_unknown_connection_is_a_usage_error(tmp_path: Path) -> None:
    r = _ftl("run", "web1", "-i", "web1,", "-c", "docker", "-m", "ping", cwd=tmp_path)
    assert r.returncode == 5, r.stdout + r.stderr
    assert "-c 'docker': expected ssh or local" in r.stderr
