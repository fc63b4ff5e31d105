"""command, shell and raw: results, creates/removes, check mode, streaming, cancellation."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from ftltui.modules.base import ArgumentError
from modhelp import call


def test_command_argv_result_shape():
    r = call("command", {"argv": ["printf", "a\\nb\\n"]})
    assert r["changed"] is True and r["failed"] is False and r["rc"] == 0
    assert r["stdout"] == "a\nb" and r["stdout_lines"] == ["a", "b"]
    assert r["cmd"] == ["printf", "a\\nb\\n"]
    assert r["start"] and r["end"] and r["delta"].startswith("0:00:")


def test_command_free_form_is_split_without_shell(tmp_path: Path):
    r = call("command", {"cmd": "echo 'a b' $HOME > x", "chdir": str(tmp_path)})
    assert r["stdout"] == "a b $HOME > x"
    assert not (tmp_path / "x").exists()


def test_command_nonzero_fails_with_ansible_message():
    r = call("command", {"argv": ["sh", "-c", "echo oops >&2; exit 3"]})
    assert r["failed"] is True and r["rc"] == 3 and r["msg"] == "non-zero return code"
    assert r["stderr"] == "oops"


def test_command_missing_program_fails():
    r = call("command", {"argv": ["/nonexistent/prog"]})
    assert r["failed"] is True and r["rc"] == 2


def test_command_stdin_and_chdir(tmp_path: Path):
    r = call("command", {"argv": ["cat"], "stdin": "hello"})
    assert r["stdout"] == "hello"
    r = call("command", {"argv": ["pwd"], "chdir": str(tmp_path)})
    assert r["stdout"] == str(tmp_path)
    r = call("command", {"argv": ["pwd"], "chdir": str(tmp_path / "nope")})
    assert r["failed"] and "Unable to change directory" in r["msg"]


def test_creates_and_removes_short_circuit(tmp_path: Path):
    marker = tmp_path / "done"
    r = call("command", {"argv": ["touch", str(marker)], "creates": str(marker)})
    assert r["changed"] is True and marker.exists()
    r = call("command", {"argv": ["touch", str(marker)], "creates": str(marker)})
    assert r["changed"] is False and r["msg"] == "Did not run command since '%s' exists" % marker
    assert r["stdout"] == "skipped, since %s exists" % marker
    r = call("command", {"argv": ["rm", str(marker)], "removes": str(tmp_path / "d*")})
    assert r["changed"] is True and not marker.exists()
    r = call("command", {"argv": ["rm", str(marker)], "removes": str(marker)})
    assert r["changed"] is False and "does not exist" in r["msg"]
    # relative creates is resolved against chdir
    (tmp_path / "rel").write_text("")
    r = call("command", {"argv": ["false"], "creates": "rel", "chdir": str(tmp_path)})
    assert r["changed"] is False and not r["failed"]


def test_command_check_mode_runs_nothing(tmp_path: Path):
    target = tmp_path / "t"
    r = call("command", {"argv": ["touch", str(target)]}, check=True)
    assert r["skipped"] is True and r["changed"] is False and not target.exists()
    r = call("command", {"argv": ["touch", str(target)], "creates": str(target)}, check=True)
    assert r["changed"] is True and r["msg"] == "Command would have run if not in check mode"
    assert not target.exists()


@pytest.mark.parametrize("args", [{}, {"cmd": "ls", "argv": ["ls"]}, {"argv": "ls", "bogus": 1}])
def test_command_bad_args(args):
    with pytest.raises(ArgumentError):
        call("command", args)


def test_shell_uses_a_shell(tmp_path: Path):
    r = call("shell", {"cmd": "echo $((1+2)) | tr 3 x > out; cat out", "chdir": str(tmp_path)})
    assert r["stdout"] == "x" and r["cmd"].startswith("echo")
    r = call("shell", {"cmd": "echo $0", "executable": "/bin/bash"})
    assert r["stdout"] == "/bin/bash"
    r = call("shell", {"cmd": "exit 4"})
    assert r["failed"] and r["rc"] == 4


def test_raw_runs_and_skips_in_check_mode(tmp_path: Path):
    target = tmp_path / "raw"
    r = call("raw", {"cmd": "echo hi > %s; echo done" % target}, check=True)
    assert r["skipped"] and not target.exists()
    r = call("raw", {"cmd": "echo hi > %s; echo done" % target})
    assert r["changed"] and r["stdout"] == "done\n" and target.read_text() == "hi\n"


def test_output_streams_while_the_process_runs(tmp_path: Path, lines):
    """The command waits for a file that only the emit callback of its first line creates."""
    got, collect = lines
    marker = tmp_path / "seen-first-line"

    def emit(stream: str, text: str) -> None:
        collect(stream, text)
        if text == "first":
            marker.write_text("x")

    script = (
        "echo first; i=0; while [ $i -lt 200 ] && [ ! -e %s ]; do sleep 0.05; i=$((i+1)); done; "
        "[ -e %s ] && echo saw-marker; echo err >&2" % (marker, marker)
    )
    r = call("command", {"argv": ["sh", "-c", script]}, emit=emit)
    assert r["stdout_lines"] == ["first", "saw-marker"]
    assert ("stdout", "first") in got and ("stderr", "err") in got


def _gone(pid: int) -> bool:
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().split(")")[-1].split()[0] == "Z"
    except FileNotFoundError:
        return True


def test_cancel_kills_the_process_and_its_children(lines):
    got, collect = lines
    cancel = threading.Event()
    pids = []

    def emit(stream: str, text: str) -> None:
        collect(stream, text)
        if text.startswith("pids"):
            pids.extend(int(p) for p in text.split()[1:])
            cancel.set()

    r = call("shell", {"cmd": "sleep 60 & echo pids $$ $!; wait"}, emit=emit, cancel=cancel)
    assert r["failed"] is True and r.get("cancelled") is True
    assert len(pids) == 2 and all(_gone(p) for p in pids)


def test_cancel_stubborn_process_gets_killed(lines):
    got, collect = lines
    cancel = threading.Event()

    def emit(stream: str, text: str) -> None:
        if text == "ready":
            cancel.set()

    r = call("shell", {"cmd": "trap '' TERM; echo ready; sleep 60"}, emit=emit, cancel=cancel)
    assert r["failed"] and r["rc"] == -9


def test_cancel_reaches_a_process_that_closed_its_pipes(lines):
    """Both pipes at EOF is not the end: the process still runs and must still be cancellable."""
    cancel = threading.Event()
    timer = threading.Timer(0.3, cancel.set)
    timer.start()
    try:
        r = call("shell", {"cmd": "exec >&- 2>&-; sleep 60"}, cancel=cancel)
    finally:
        timer.cancel()
    assert r["failed"] is True and r.get("cancelled") is True and r["rc"] == -15


def test_children_get_sigpipe_back_and_no_subprocess_import_in_the_gate_path(lines):
    """Python ignores SIGPIPE; a spawned ``yes`` must die of it, not loop on EPIPE."""
    import subprocess
    import sys

    r = call("shell", {"cmd": "yes | head -2; echo ${PIPESTATUS[0]:-done}", "executable": "/bin/bash"})
    assert r["stdout_lines"] == ["y", "y", "141"]  # 128 + SIGPIPE
    probe = ("import sys; sys.path.insert(0, %r); from ftltui import modules; import threading; "
             "from ftltui.modules.base import ModuleContext; "
             "r = modules.execute('command', {'cmd': 'echo hi'}, ModuleContext(check=False)); "
             "assert r['stdout'] == 'hi', r; print(sorted(m for m in ('subprocess', 'selectors', 'locale') "
             "if m in sys.modules))") % str(Path(__file__).resolve().parents[2])
    out = subprocess.run([sys.executable, "-S", "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_cancel_with_stdin_data_reports_the_signal(lines):
    """stdin data takes the subprocess path; its cancel must report -15 like the spawn path."""
    cancel = threading.Event()

    def emit(stream: str, text: str) -> None:
        if text == "ready":
            cancel.set()

    r = call("command", {"argv": ["sh", "-c", "echo ready; sleep 60"], "stdin": "ignored"}, emit=emit, cancel=cancel)
    assert r["failed"] is True and r.get("cancelled") is True and r["rc"] == -15
