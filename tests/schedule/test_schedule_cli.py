"""``ftl-tui schedule ...``: add, list, pause, resume, rm; errors with exit status; a
state directory owned by another (real) process."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from ftltui.cli import main
from ftltui.state import StateStore


@pytest.fixture
def sd(tmp_path: Path) -> list[str]:
    return ["--state-dir", str(tmp_path / "state")]


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_add_list_pause_resume_rm(capsys, sd, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "site.yml").write_text("- hosts: all\n  tasks: []\n")
    code, out, _ = cli(capsys, "schedule", "add", "30 2 * * mon-fri", "--tz", "Europe/Berlin", "--misfire", "skip",
                       "play", "site.yml", "-t", "deploy", "-e", "@vars.yml", *sd)
    assert code == 0 and out.startswith("schedule 1: 30 2 * * mon-fri (Europe/Berlin) play ")
    assert "next 20" in out and ("CET" in out or "CEST" in out)
    code, out, _ = cli(capsys, "schedule", "add", "--allow-overlap", "@hourly", "run", "all", "-m", "ping", *sd)
    assert code == 0
    code, out, _ = cli(capsys, "schedule", "add", "*/5 * * * *", "--tz", "UTC", "drift", "scan", "web", *sd)
    assert code == 0

    code, out, _ = cli(capsys, "schedule", "list", "--json", *sd)
    rows = json.loads(out)
    assert [(r["id"], r["kind"], r["misfire"], r["overlap"]) for r in rows] == [
        (1, "play", "skip", False), (2, "run", "run-once", True), (3, "drift scan", "run-once", False)]
    # the files it names are kept absolute: it fires in the owner's directory, not this one
    assert rows[0]["argv"] == ["play", str(tmp_path / "site.yml"), "-t", "deploy", "-e", f"@{tmp_path}/vars.yml"]
    assert rows[0]["cwd"] == str(tmp_path) and rows[0]["tz"] == "Europe/Berlin"
    assert rows[0]["next"].endswith(("+01:00", "+02:00")) and rows[2]["next"].endswith("+00:00")

    assert cli(capsys, "schedule", "pause", "2", *sd)[:2] == (0, "schedule 2 paused\n")
    code, out, _ = cli(capsys, "schedule", "list", *sd)
    lines = out.splitlines()
    assert lines[0].split() == ["ID", "STATE", "CRON", "ZONE", "NEXT", "LAST", "COMMAND"]
    assert lines[2].split()[:3] == ["2", "paused", "@hourly"] and lines[2].rstrip().endswith("run all -m ping")
    code, out, _ = cli(capsys, "schedule", "resume", "2", *sd)
    assert code == 0 and out.startswith("schedule 2 resumed; next ")
    assert cli(capsys, "schedule", "rm", "1", *sd)[:2] == (0, f"schedule 1 removed: 30 2 * * mon-fri {rows[0]['argv'][0]} "
                                                              f"{tmp_path}/site.yml -t deploy -e @{tmp_path}/vars.yml\n")
    assert [r["id"] for r in json.loads(cli(capsys, "schedule", "list", "--json", *sd)[1])] == [2, 3]


@pytest.mark.parametrize("argv, code, message", [
    (["61 * * * *", "run", "all", "-m", "ping"], 4, "cron field 1 (minute) in '61 * * * *': 61 is out of range 0-59"),
    (["0 0 30 2 *", "run", "all", "-m", "ping"], 4, "never fires"),
    (["@reboot", "run", "all", "-m", "ping"], 4, "@reboot is not supported"),
    (["* * * * *", "--tz", "Mars/Base", "run", "all", "-m", "ping"], 4, "unknown time zone 'Mars/Base'"),
    (["* * * * *", "--misfire", "later", "run", "all"], 5, "argument --misfire: invalid choice: 'later'"),
    (["* * * * *"], 4, "give the command to run after CRON"),
    (["* * * * *", "jobs", "list"], 4, "a schedule runs one of: run, play, drift scan"),
    (["* * * * *", "drift", "show"], 4, "a schedule runs one of"),
    (["* * * * *", "run", "all", "-m", "ping", "-K"], 4,
     "does not take --ask-become-pass: it would prompt, and nobody answers a prompt when a schedule fires"),
    (["* * * * *", "run", "all", "-m", "ping", "-i", "inv.yml"], 4,
     "does not take --inventory: schedules run on the inventory, state and vault options of the owner"),
    (["* * * * *", "run", "all", "-m", "ping", "--vault-password-file", "pw"], 4, "does not take --vault-password-file"),
    (["* * * * *", "run", "all", "-m", "ping", "-f", "3"], 4,
     "does not take --forks: a scheduled job does not carry it; it takes --module-name, --module-args, --limit"),
    (["* * * * *", "run", "all", "--timeout", "abc"], 4, "scheduled command 'run': argument --timeout"),
    (["* * * * *", "play", "missing.yml"], 4, "play missing.yml: no such file"),
    (["* * * * *", "drift", "scan", "all", "--forks", "2"], 4, "it takes --drift-config"),
    (["* * * * *", "--notify-url", "http://127.0.0.1:9/h", "run", "all", "-m", "ping"], 4,
     "notifications are for scheduled drift scans; this schedule runs 'run'"),
    (["* * * * *", "--notify-url", "ftp://example.invalid/h", "drift", "scan", "all"], 4,
     "--notify-url: expected an http:// or https:// URL with a host"),
    (["* * * * *", "--notify-url", "https://bot:tok@example.invalid/h", "drift", "scan", "all"], 4,
     "a URL with a user or password would be stored; use --notify-url-file"),
    (["* * * * *", "--notify-command", "notify 'unclosed", "drift", "scan", "all"], 4, "--notify-command: No closing"),
    (["* * * * *", "--notify-severity", "urgent", "drift", "scan", "all"], 5, "argument --notify-severity"),
    (["* * * * *", "drift", "scan", "all", "--tz", "UTC"], 4,
     "--tz: schedule add's own option(s) go before the command (schedule add CRON --tz ... drift scan ...)"),
])
def test_bad_input_is_refused_and_nothing_is_stored(capsys, sd, argv: list[str], code: int, message: str) -> None:
    got, _, err = cli(capsys, "schedule", "add", *argv, *sd)
    assert (got, message in err) == (code, True), err
    assert json.loads(cli(capsys, "schedule", "list", "--json", *sd)[1]) == []


def test_notify_options_are_stored(capsys, sd, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = cli(capsys, "schedule", "add", "@hourly", "--notify-url-file", "hook.url", "--notify-command",
                       "logger -t 'ftl drift'", "--notify-severity", "critical", "drift", "scan", "web", *sd)
    assert code == 0, err
    (row,) = json.loads(cli(capsys, "schedule", "list", "--json", *sd)[1])
    assert row["notify"] == {"min_severity": "critical", "url": "", "url_file": str(tmp_path / "hook.url"),
                             "command": ["logger", "-t", "ftl drift"]}


def test_workflow_refuses_playbook_options(capsys, sd, tmp_path: Path) -> None:
    wf = tmp_path / "wf.yml"
    wf.write_text("name: wf\nsteps:\n  ping:\n    module: ping\n    hosts: localhost\n")
    code, _, err = cli(capsys, "schedule", "add", "* * * * *", "play", str(wf), "-t", "x", *sd)
    assert code == 4 and "--tags: for playbooks only" in err
    code, _, err = cli(capsys, "schedule", "add", "* * * * *", "play", str(wf), "-b", "-u", "ops", *sd)
    assert code == 4 and "--become, --remote-user: a scheduled workflow takes only --check and --extra-vars" in err
    assert cli(capsys, "schedule", "add", "* * * * *", "play", str(wf), "-C", "-e", "x=1", *sd)[0] == 0


@pytest.mark.parametrize("action", ["rm", "pause", "resume"])
def test_unknown_id(capsys, sd, action: str) -> None:
    assert cli(capsys, "schedule", "add", "@daily", "run", "all", "-m", "ping", *sd)[0] == 0
    code, _, err = cli(capsys, "schedule", action, "9", *sd)
    assert code == 4 and "no schedule 9 (schedules: 1)" in err
    code, _, err = cli(capsys, "schedule", action, "x", *sd)
    assert code == 4 and "schedule id 'x': expected a number" in err


def test_secret_free_store(capsys, sd, tmp_path: Path) -> None:
    """What a schedule stores is its command line: the state files hold no password."""
    pw = tmp_path / "become.pw"
    pw.write_text("hunter2-not-stored\n")
    code, _, err = cli(capsys, "schedule", "add", "@daily", "run", "all", "-m", "ping", "--become-password-file",
                       str(pw), *sd)
    assert code == 4 and "does not take --become-password-file" in err
    assert cli(capsys, "schedule", "add", "@daily", "run", "all", "-m", "ping", *sd)[0] == 0
    blobs = b"".join(p.read_bytes() for p in Path(sd[1]).rglob("*") if p.is_file())
    assert b"hunter2" not in blobs and b"run" in blobs


def test_owned_state_dir_names_the_owner(capsys, sd) -> None:
    """Another process holds the state directory: changes are refused naming it; list works."""
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time\nfrom ftltui.state import StateStore\n"
         f"s = StateStore.open({sd[1]!r})\nprint('ready', flush=True)\ntime.sleep(300)\n"],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        code, _, err = cli(capsys, "schedule", "add", "@daily", "run", "all", "-m", "ping", *sd)
        assert code == 4
        assert f"state directory is in use by pid {holder.pid}: schedules are changed by the process that owns it" in err
        code, _, err = cli(capsys, "schedule", "add", "61 * * * *", "run", "all", *sd)  # a typo: said first
        assert code == 4 and "cron field 1 (minute)" in err
        assert cli(capsys, "schedule", "list", *sd)[:2] == (0, "no schedules (add one: ftl-tui schedule add --help)\n")
    finally:
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait()
    assert cli(capsys, "schedule", "add", "@daily", "run", "all", "-m", "ping", *sd)[0] == 0


def test_state_written_by_the_cli_is_what_the_scheduler_reads(capsys, sd) -> None:
    from ftltui.schedule.model import ScheduleBook

    cli(capsys, "schedule", "add", "15 3 * * *", "--tz", "America/New_York", "run", "web", "-m", "ping", *sd)
    with StateStore.open(sd[1], readonly=True) as st:
        (s,) = ScheduleBook(st).all()
    assert (s.cron, s.tz, s.argv, s.kind, s.paused) == ("15 3 * * *", "America/New_York", ["run", "web", "-m", "ping"],
                                                        "run", False)


def test_list_shows_an_unusable_record(capsys, sd) -> None:
    from ftltui.schedule.model import ScheduleBook

    cli(capsys, "schedule", "add", "@daily", "--tz", "UTC", "run", "all", "-m", "ping", *sd)
    with StateStore.open(sd[1]) as st:
        ScheduleBook(st).table.update(1, {"tz": "Mars/Base"})
    code, out, _ = cli(capsys, "schedule", "list", *sd)
    assert code == 0 and "never (unknown time zone 'Mars/Base'" in out
    assert json.loads(cli(capsys, "schedule", "list", "--json", *sd)[1])[0]["next"] is None
