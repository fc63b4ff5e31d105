"""`ftl-tui run` / `modules` end to end, in-process and as a real subprocess."""

from __future__ import annotations

import argparse
import json
import os
import shlex
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
    assert out.startswith("localhost | SUCCESS => {")


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
    assert kinds[0] == "run.started" and kinds[-2] == "run.finished" and kinds[-1] == "run.summary"
    assert kinds.count("host.finished") == 2 and kinds.count("host.output") == 2
    assert {e["schema"] for e in events} == {1}
    assert events[-1]["counts"]["changed"] == 2


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["run", "all", "no_such_module"], "unknown module 'no_such_module'"),
        (["run", "all", "file", "-a", "path=/tmp/x state=sideways"], "state"),
        (["run", "all", "ping", "-a", "bogus=1"], "unsupported argument 'bogus'"),
        (["run", "all[", "ping"], "pattern"),
        (["run", "all", "ping", "--args", "{not json"], "invalid JSON"),
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


def test_pattern_matching_nothing_exits_4_saying_why(capsys, local_inventory):
    inv = str(local_inventory(3))
    code, out, err = _run(capsys, "run", "nosuchhost", "ping", "-i", inv)
    assert code == 4 and "pattern 'nosuchhost' matches no hosts: no group or host named 'nosuchhost'" in err
    code, out, err = _run(capsys, "run", "locals[99]", "ping", "-i", inv)
    assert code == 4 and out == ""
    assert err.strip() == "ftl-tui: error: pattern 'locals[99]' matches no hosts: group locals has 3 hosts"
    code, _, err = _run(capsys, "run", "l1:locals[-4]", "ping", "-i", inv)
    assert code == 4 and "group locals has 3 hosts (locals[-4] is out of range)" in err
    code, out, err = _run(capsys, "run", "locals[2]", "ping", "-i", inv)  # in range: runs on l3 only
    assert code == 0 and "l3 | SUCCESS" in out and "l1 |" not in out


# -- usage errors: their own exit status (README: 2 is "a host failed") ------------------

USAGE_ERRORS = [
    ["run", "all", "ping", "--timeout", "abc"],
    ["run", "all", "ping", "--timeout", "0"],
    ["run", "all", "ping", "--timeout", "nan"],
    ["run", "all", "ping", "--forks", "0"],
    ["run", "all", "ping", "--forks", "-3"],
    ["run", "all", "ping", "--forks", "2.5"],
    ["run", "all", "ping", "--no-such-option"],
    ["run", "all"],
    ["run", "all", "ping", "-m", "command"],
    ["run", "all", "ping", "--become-method", "doas"],
    ["inventory", "--list", "--graph"],
    ["modules", "copy", "extra"],
    ["play"],
    # an existing workflow: a missing file is exit 1 first, as ansible-playbook checks the file before -e
    ["play", os.path.join(os.path.dirname(__file__), "..", "..", "sample_inventory", "workflows", "local-smoke.yml"),
     "-e", "no_equals_sign"],
    ["jobs"],
    ["jobs", "show", "not-a-number"],
    ["drift", "scan", "all", "--forks", "0"],
    ["drift", "show", "--min-severity", "extreme"],
    ["no-such-command"],
]


@pytest.mark.parametrize("argv", USAGE_ERRORS, ids=lambda a: " ".join(a))
def test_usage_errors_exit_5_with_usage(capsys, argv):
    code, out, err = _run(capsys, *argv)
    assert code == 5, (code, err)
    assert err.startswith("usage: ftl-tui") and "error:" in err and "Traceback" not in err
    assert out == ""


def test_usage_error_exit_status_of_the_real_process():
    proc = subprocess.run([sys.executable, "-m", "ftltui", "run", "all", "ping", "--timeout", "abc"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 5
    assert "argument --timeout: expected a number of seconds, got 'abc'" in proc.stderr


def test_valid_forks_and_timeout_are_accepted(capsys, local_inventory):
    code, out, err = _run(capsys, "run", "all", "ping", "--forks", "1", "--timeout", "2.5",
                          "-i", str(local_inventory(2)))
    assert code == 0, err
    assert "l1 | SUCCESS" in out and "l2 | SUCCESS" in out


def _commands():
    from ftltui.cli import build_parser

    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    return sorted(sub.choices)


def test_every_command_is_listed():
    assert _commands() == sorted(["run", "inventory", "modules", "play", "jobs", "drift", "config", "completion",
                                  "schedule", "daemon", "serve", "worker", "workers"])


@pytest.mark.parametrize("command", [None, *_commands()])
def test_help_is_plain_text_with_examples_that_parse(capsys, command):
    from ftltui.cli import build_parser

    code, out, err = _run(capsys, *([command] if command else []), "--help")
    assert code == 0 and err == ""
    assert "``" not in out, "raw reST in --help"
    assert "\nexamples:\n" in out
    lines = out.split("\nexamples:\n", 1)[1].splitlines()
    commands = [ln.strip() for ln in lines if ln.strip().startswith("ftl-tui")]
    assert len(commands) >= 3
    for line in commands:
        argv = shlex.split(line, comments=True)[1:]
        if command:
            assert argv[0] == command, line
        build_parser().parse_args(argv)  # exits 5 (SystemExit) if an example is not valid usage


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
    assert proc.stdout.readline().startswith(b'{"schema": 1, "event": "run.started"')
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 0
    assert "Traceback" not in err and "BrokenPipeError" not in err


def test_version_names_engine_python_and_asyncssh(capsys):
    import asyncssh

    code, out, _ = _run(capsys, "--version")
    assert code == 0
    assert out.startswith("ftl-tui ") and f"python  {sys.version.split()[0]}" in out
    assert f"asyncssh {asyncssh.__version__}" in out


def _complete(script: str, line: str) -> list[str]:
    """What bash offers for ``line`` (the cursor at its end) with the generated completion."""
    words = line.split(" ")
    prog = f"""
{script}
ftl-tui() {{ {shlex.quote(sys.executable)} -m ftltui "$@"; }}
COMP_WORDS=({' '.join(shlex.quote(w) for w in words)})
COMP_CWORD={len(words) - 1}
_ftl_tui
printf '%s\\n' "${{COMPREPLY[@]}}"
"""
    proc = subprocess.run(["bash", "-c", prog], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.split()


def test_bash_completion_from_the_parser(capsys, local_inventory):
    code, script, _ = _run(capsys, "completion", "bash")
    assert code == 0 and "complete -o default -F _ftl_tui ftl-tui" in script
    assert _complete(script, "ftl-tui ru") == ["run"]
    assert sorted(_complete(script, "ftl-tui co")) == ["completion", "config"]
    assert {"--become", "--become-user", "--become-method", "--become-password-file"} <= set(
        _complete(script, "ftl-tui run all --bec"))
    assert "--extra-vars" in _complete(script, "ftl-tui play wf.yml --ext")
    assert "command" in _complete(script, "ftl-tui run all -m comm")


def test_verbose_logs_pass_through_the_redactor(tmp_path):
    """-vv shows asyncssh's log lines; a secret inside one (here: the address) is masked."""
    inv = tmp_path / "inv.ini"
    inv.write_text("gone ansible_host=127.0.0.9 ansible_port=1\n")
    env = dict(os.environ, FTL_LOG_SECRET="127.0.0.9")
    proc = subprocess.run([sys.executable, "-m", "ftltui", "run", "gone", "-m", "ping", "-i", str(inv), "-vv",
                           "-T", "2", "--secret", "FTL_LOG_SECRET"], capture_output=True, text=True, timeout=60,
                          env=env)
    assert proc.returncode == 3
    assert "asyncssh INFO Opening SSH connection to ********" in proc.stderr, proc.stderr
    assert "127.0.0.9" not in proc.stdout + proc.stderr
