"""``--workers`` on ``run`` and ``play``: hosts really run in shard worker processes, and bad
values are usage errors (exit 5)."""

from __future__ import annotations

import pytest

from ftltui.cli import main

# prints how many of the module process's ancestors are shard workers (0 in-process); the pattern
# is written so that it does not match this script's own text
ANCESTRY = ("p=$PPID; n=0; while [ \"$p\" -gt 1 ]; do "
            "tr '\\0' ' ' < /proc/$p/cmdline | grep -q 'engine[.]shards[.]worker' && n=$((n+1)); "
            "p=$(cut -d' ' -f4 /proc/$p/stat); done; echo in-workers=$n")


@pytest.mark.parametrize("workers,want", [("1", "in-workers=0"), ("2", "in-workers=1")])
def test_run_workers_places_hosts_in_worker_processes(capsys, local_inventory, workers, want):
    code = main(["run", "all", "shell", "-a", ANCESTRY, "-i", str(local_inventory(3)), "--workers", workers, "-o"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert out.count(want) == 3, out


def test_play_workers_runs_a_playbook_in_worker_processes(capsys, local_inventory, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    book = tmp_path / "book.yml"
    book.write_text("- hosts: all\n  gather_facts: false\n  tasks:\n"
                    f"    - shell: \"{ANCESTRY.replace(chr(92), chr(92) * 2).replace(chr(34), chr(92) + chr(34))}\"\n"
                    "      register: r\n    - debug: {msg: \"{{ r.stdout }}\"}\n")
    code = main(["play", str(book), "-i", str(local_inventory(2)), "--workers", "2",
                 "--state-dir", str(tmp_path / "state")])
    out = capsys.readouterr().out
    assert code == 0, out
    assert out.count('"msg": "in-workers=1"') == 2, out


@pytest.mark.parametrize("argv", [["--workers", "0"], ["--workers", "many"]])
def test_bad_workers_is_a_usage_error(capsys, local_inventory, argv):
    code = main(["run", "all", "ping", "-i", str(local_inventory(1)), *argv])
    assert code == 5
    assert "--workers" in capsys.readouterr().err


def test_bad_workers_variable_is_a_usage_error(capsys, local_inventory, monkeypatch):
    monkeypatch.setenv("FTL_TUI_WORKERS", "-3")
    assert main(["run", "all", "ping", "-i", str(local_inventory(1))]) == 5
    assert "FTL_TUI_WORKERS" in capsys.readouterr().err
