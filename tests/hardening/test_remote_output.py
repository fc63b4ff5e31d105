"""Untrusted remote output: escape sequences never reach the terminal, memory stays bounded.

The big-output tests generate their data on the "host" with ``yes``/``head``/``tr``
(never in this process) and measure the controller's peak RSS in a subprocess: a
resource bound, not a timing.
"""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import bed_inventory, run_cli_measured
from ftltui.engine.sanitize import safe_text
from ftltui.modules._outcap import HeadTail, LineCapper

RSS_LIMIT_MB = 400
GIB = 1 << 30

# Printed by the "remote" command: cursor moves, window title, clipboard write (OSC 52),
# hidden text (SGR 8), a DCS string, 8-bit CSI, BEL, NUL, DEL, invalid UTF-8.
HOSTILE = (r"printf 'a\033[2J\033[H\033]0;pwned-title\007b\033]52;c;cHduZWQ=\007c\033[8mhidden\033[0m"
           r"\033P1$qm\033\\d\302\233\061\101e\000f\177g\377\376h\033[?1049h\n'; "
           r"printf 'err\033]0;t2\007\n' >&2")
FORBIDDEN = re.compile(rb"[\x00-\x08\x0b-\x1f\x7f]|\xc2[\x80-\x9f]")


def _assert_terminal_safe(data: bytes) -> None:
    bad = FORBIDDEN.search(data)
    assert bad is None, f"control byte {bad.group()!r} reached the terminal near {data[max(0, bad.start() - 40):bad.end() + 40]!r}"


# -- the sanitizer itself -----------------------------------------------------------------

@settings(max_examples=1000, deadline=None)
@given(st.lists(st.one_of(st.characters(max_codepoint=0x2FF),
                         st.sampled_from(["\x1b[", "\x1b]", "\x1bP", "\x9b", "\x07", "\x1b\\", "52;c;"])),
                max_size=60).map("".join))
def test_safe_text_leaves_no_control_characters(text: str) -> None:
    out = safe_text(text, max_len=30)
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", out), repr(out)


def test_line_capper_and_head_tail_bound_what_they_keep() -> None:
    lines: list[str] = []
    cap = LineCapper(lines.append, max_line=100)
    for _ in range(1000):
        cap.feed("x" * 997)  # one ~1 MB line arriving in pieces
    cap.feed("\nshort\r\n")
    cap.feed("tail-without-newline")
    cap.close()
    assert len(lines) == 3
    assert lines[0].startswith("x" * 100) and "line truncated: 996900 more characters" in lines[0]
    assert lines[1:] == ["short", "tail-without-newline"]
    ht = HeadTail(1000)
    for i in range(10_000):
        ht.add(f"{i:05d}\n")
    text = ht.text()
    assert text.startswith("00000\n") and text.endswith("09999\n")
    assert ht.dropped == 60_000 - 1000 and "59000 characters dropped" in text


# -- the CLI, local and over SSH ------------------------------------------------------------

def _hostile_run(inv, pattern: str, *extra: str) -> tuple[bytes, bytes]:
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-m", "ftltui", "run", pattern, "shell", "-a", HOSTILE, "-i", str(inv),
                           *extra], capture_output=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout, proc.stderr


def test_cli_strips_escapes_from_local_output(local_inv) -> None:
    out, err = _hostile_run(local_inv(1), "all")
    _assert_terminal_safe(out + err)
    assert b"pwned-title" not in out and b"cHduZWQ=" not in out  # OSC payloads removed, not shown
    assert b"l1 | CHANGED | rc=0 >>\nab" in out and b"hidden" in out  # the visible text is still there
    out, err = _hostile_run(local_inv(1), "all", "-v")  # live lines too
    _assert_terminal_safe(out + err)
    assert b"l1 | ab" in out and b"pwned-title" not in out
    assert b"\\x00" in out and b"\\x7f" in out  # NUL/DEL shown escaped


def test_cli_json_output_escapes_controls(local_inv) -> None:
    out, err = _hostile_run(local_inv(1), "all", "--json")
    _assert_terminal_safe(out + err)
    events = [json.loads(line) for line in out.splitlines()]
    texts = [e["text"] for e in events if e["event"] == "host.output"]
    assert any("\x1b]0;pwned-title" in t for t in texts)  # intact as data, escaped as JSON


def test_cli_failure_message_from_remote_is_sanitized(local_inv) -> None:
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-m", "ftltui", "run", "all", "command", "--args",
                           json.dumps({"argv": ["/nonexistent/\x1b]0;title\x07\x1b[2J"]}), "-i", str(local_inv(1))],
                          capture_output=True, timeout=120)
    assert proc.returncode == 2
    _assert_terminal_safe(proc.stdout + proc.stderr)
    assert b"FAILED" in proc.stdout


@pytest.mark.ssh
def test_cli_strips_escapes_from_ssh_output(sshbed, tmp_path) -> None:
    out, err = _hostile_run(bed_inventory(tmp_path / "inv.json", sshbed, ["h01"]), "h01")
    _assert_terminal_safe(out + err)
    assert b"pwned-title" not in out and b"h01 | CHANGED | rc=0 >>\nab" in out


@pytest.mark.ssh
def test_cli_strips_escapes_from_no_python_exec_path(sshbed, tmp_path) -> None:
    inv = bed_inventory(tmp_path / "inv.json", sshbed, ["h02"],
                        {"h02": {"ansible_python_interpreter": "/nonexistent/python3"}})
    out, err = _hostile_run(inv, "h02")
    _assert_terminal_safe(out + err)
    assert b"pwned-title" not in out and b"h02 | CHANGED | rc=0 >>\nab" in out


# -- memory bounds ----------------------------------------------------------------------------

def _summary(run) -> dict:
    last = run.tail.strip().splitlines()[-1]
    return json.loads(last)


def test_single_100mb_line_is_capped_local(local_inv) -> None:
    cmd = "head -c 104857600 /dev/zero | tr '\\0' x; echo; echo after"
    run = run_cli_measured(["run", "all", "shell", "-a", cmd, "-i", str(local_inv(1)), "--json"])
    assert run.rc == 0, run.stderr
    res = _summary(run)["results"]["l1"]["result"]
    assert res["truncated"]["stdout"] > 100_000_000
    assert "output truncated" in res["stdout"] and res["stdout"].endswith("after")
    assert len(res["stdout"]) < 3 * 1024 * 1024
    lines = [json.loads(x) for x in run.tail.splitlines() if '"host.output"' in x]
    assert lines[-1]["text"] == "after"
    assert any("line truncated" in e["text"] and len(e["text"]) < 70_000 for e in lines)
    assert run.peak_mb < RSS_LIMIT_MB, f"controller peak RSS {run.peak_mb:.0f} MB"


# 1 GiB as 65536 lines of 16 KiB: the volume is what matters; line count is kept low so the
# test measures memory, not Python's per-line overhead.
ONE_GIB = "yes \"$(head -c 16383 /dev/zero | tr '\\0' y)\" | head -c %d" % GIB


def _check_gib_run(run, host: str) -> None:
    assert run.rc == 0, run.stderr
    res = _summary(run)["results"][host]["result"]
    assert res["truncated"]["stdout"] > GIB - 3 * 1024 * 1024
    assert len(res["stdout"]) < 3 * 1024 * 1024 and "output truncated" in res["stdout"]
    assert run.stdout_bytes > GIB  # every line was streamed (as JSON events)
    assert run.peak_mb < RSS_LIMIT_MB, f"controller peak RSS {run.peak_mb:.0f} MB for 1 GiB of output"
    print(f"\n1 GiB output via {host}: controller peak RSS {run.peak_mb:.0f} MB")


@pytest.mark.slow
def test_one_gib_of_output_local_memory_bounded(local_inv) -> None:
    run = run_cli_measured(["run", "all", "shell", "-a", ONE_GIB, "-i", str(local_inv(1)), "--json"])
    _check_gib_run(run, "l1")


@pytest.mark.slow
@pytest.mark.ssh
def test_one_gib_of_output_over_ssh_memory_bounded(sshbed, tmp_path) -> None:
    inv = bed_inventory(tmp_path / "inv.json", sshbed, ["h03"])
    run = run_cli_measured(["run", "h03", "shell", "-a", ONE_GIB, "-i", str(inv), "--json"])
    _check_gib_run(run, "h03")


@pytest.mark.ssh
def test_one_gib_text_mode_over_ssh_no_python(sshbed, tmp_path) -> None:
    """The plain-exec path (host without Python) streams too; text mode, 256 MiB."""
    inv = bed_inventory(tmp_path / "inv.json", sshbed, ["h04"],
                        {"h04": {"ansible_python_interpreter": "/nonexistent/python3"}})
    cmd = ONE_GIB.replace(str(GIB), str(GIB // 4))
    run = run_cli_measured(["run", "h04", "shell", "-a", cmd, "-i", str(inv)])
    assert run.rc == 0, run.stderr
    assert "h04 | CHANGED" in run.tail
    assert run.peak_mb < RSS_LIMIT_MB, f"controller peak RSS {run.peak_mb:.0f} MB"
