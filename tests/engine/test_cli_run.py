"""`ftl-tui run` / `modules` end to end, in-process and as a real subprocess."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from ftltui.cli import main


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_run_localhost_ping_on_sample_inventory(capsys, sample_inventory):
    code, out, _ = _run(capsys, "run", "localhost", "ping", "-i", str(sample_inventory))
    assert code == 0
    assert "localhost | OK" in out and "SUMMARY" in out


def test_run_all_uname_on_sample_inventory_as_subprocess(sample_inventory):
    proc = subprocess.run(
        [sys.executable, "-m", "ftltui", "run", "all", "command", "-a", 'argv=["uname","-a"]',
         "-i", str(sample_inventory)],
        capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Linux" in proc.stdout


def test_json_lines_cover_every_event(capsys, local_inventory):
    inv = local_inventory(2)
    code, out, _ = _run(capsys, "run", "all", "shell", "-a", "echo hi", "-i", str(inv), "--json")
    assert code == 0
    events = [json.loads(line) for line in out.splitlines()]
    kinds = [e["event"] for e in events]
    assert kinds[0] == "RunStarted" and kinds[-2] == "RunFinished" and kinds[-1] == "Summary"
    assert kinds.count("HostFinished") == 2 and kinds.count("OutputLine") == 2
    assert events[-1]["counts"]["changed"] == 2


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["run", "all", "no_such_module"], "unknown module 'no_such_module'"),
        (["run", "all", "file", "-a", "path=/tmp/x state=sideways"], "state"),
        (["run", "all", "ping", "-a", "bogus=1"], "unsupported argument 'bogus'"),
        (["run", "all[", "ping"], "pattern"),
        (["run", "all", "ping", "--args", "{not json"], "--args"),
    ],
)
def test_bad_input_exits_4_with_one_line(capsys, local_inventory, argv, needle):
    code, out, err = _run(capsys, *argv, "-i", str(local_inventory(1)))
    assert code == 4
    assert needle in err and "Traceback" not in err + out
    assert len(err.strip().splitlines()) == 1


def test_broken_yaml_inventory_exits_4_with_location(capsys, tmp_path):
    bad = tmp_path / "inv.yml"
    bad.write_text("all:\n  hosts:\n    a: {\n")
    code, _, err = _run(capsys, "run", "all", "ping", "-i", str(bad))
    assert code == 4 and f"{bad}:" in err and "Traceback" not in err


def test_pattern_matching_nothing_exits_4(capsys, local_inventory):
    code, _, err = _run(capsys, "run", "nosuchhost", "ping", "-i", str(local_inventory(1)))
    assert code == 4 and "no hosts matched" in err


def test_failed_host_exit_status_2(capsys, local_inventory):
    code, out, _ = _run(capsys, "run", "all", "command", "-a", "false", "-i", str(local_inventory(1)))
    assert code == 2 and "FAILED" in out


def test_modules_lists_and_describes(capsys):
    code, out, _ = _run(capsys, "modules")
    assert code == 0 and "command" in out and "copy" in out
    code, out, _ = _run(capsys, "modules", "copy", "--json")
    info = json.loads(out)
    assert info["name"] == "copy" and "dest" in info["args"] and info["args"]["dest"]["required"]


def test_reader_leaving_early_is_not_a_traceback(local_inventory):
    """`ftl-tui run ... --json | head -1`: the run finishes quietly."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "ftltui", "run", "all", "shell", "-a", "yes | head -20000", "--json",
         "-i", str(local_inventory(2))],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    assert proc.stdout.readline().startswith(b'{"event": "RunStarted"')
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 0
    assert "Traceback" not in err and "BrokenPipeError" not in err
