"""ftl-tui's playbook text output beside ansible-playbook's, line by line.

ansible-playbook runs tests/playbook/corpus/oracle/shapes/shapes.yml with its default
stdout callback and, beside it, a recording callback (corpus/oracle/callback_plugins)
that writes what it was told as JSON lines. Those records become ftl-tui playbook
events; ftl-tui's TextOutput renders them; the text must equal what ansible-playbook
printed for the same run. So the test checks the output shape alone (banners, words,
brackets, item labels, JSON bodies, diffs, blank lines, the recap's spacing), on
exactly the results Ansible had, without depending on ftl-tui's runner.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from netutil import closed_port

from ftltui.playbook import events as ev
from ftltui.playbook.output_text import TextOutput, banner, recap_line

pytestmark = [pytest.mark.skipif(shutil.which("ansible-playbook") is None, reason="ansible-core not installed"),
              pytest.mark.timeout(900)]  # two ansible-playbook runs: minutes on a loaded 2-core machine

ORACLE = Path(__file__).parent / "corpus" / "oracle"


def ansible_env(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    env.update(HOME=str(home), ANSIBLE_NOCOLOR="1", NO_COLOR="1", ANSIBLE_DEPRECATION_WARNINGS="False",
               ANSIBLE_LOCALHOST_WARNING="False", ANSIBLE_HOST_KEY_CHECKING="False",
               ANSIBLE_RETRY_FILES_ENABLED="False", **extra)
    return env


def events_from_records(lines: list[str]) -> list[ev.PlaybookEvent]:
    """The recording callback's JSON lines as ftl-tui playbook events."""
    out: list[ev.PlaybookEvent] = []
    play = -1
    for raw in lines:
        r = json.loads(raw)
        kind = r["kind"]
        result = r.get("result") or {}
        if kind == "playbook":
            out.append(ev.PlaybookStarted(path=r["path"]))
        elif kind == "play":
            play += 1
            out.append(ev.PlayStarted(index=play, label=r["label"], hosts=(), location=""))
        elif kind == "no_hosts":
            out.append(ev.NoHostsMatched(play=play))
        elif kind == "task":
            out.append(ev.TaskStarted(play=play, task_id=r["task_id"], label=r["label"], action=r["action"],
                                      path=r["path"], handler=r["handler"]))
        elif kind in ("ok", "failed", "skipped", "unreachable"):
            status = "changed" if kind == "ok" and result.get("changed") else kind
            out.append(ev.HostTaskResult(play=play, task_id=r["task_id"], host=r["host"], status=status,
                                         result=result, ignored=r.get("ignored", False),
                                         delegated_to=r.get("delegated_to")))
        elif kind.startswith("item_"):
            status = kind[5:]
            if status == "ok" and result.get("changed"):
                status = "changed"
            out.append(ev.ItemResult(play=play, task_id=r["task_id"], host=r["host"], status=status,
                                     label=r["label"], result=result, delegated_to=r.get("delegated_to")))
        elif kind == "include":
            out.append(ev.Included(play=play, task_id="", file=r["file"], hosts=tuple(r["hosts"])))
        elif kind == "stats":
            stats = {h: ev.HostStats(failed=s.pop("failures"), **{k: v for k, v in s.items()
                                                                if k in ev.HostStats.__dataclass_fields__})
                     for h, s in r["stats"].items()}
            out.append(ev.PlaybookFinished(stats=stats, exit_code=0))
    return out


@pytest.fixture(scope="module")
def shapes(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """One ansible-playbook run per option set, recorded: {options: (stdout, events)}."""
    base = tmp_path_factory.mktemp("shapes")
    home = base / "home"
    home.mkdir()
    inv = base / "inv.ini"
    py = sys.executable
    inv.write_text(f"[web]\nh1 ansible_connection=local ansible_python_interpreter={py}\n"
                   f"h2 ansible_connection=local ansible_python_interpreter={py}\n"
                   f"[dead]\ngone ansible_host=127.0.0.1 ansible_port={closed_port()} ansible_connection=ssh\n")
    runs = {}
    for name, opts in (("plain", []), ("verbose-diff-colour", ["-v", "-D"])):
        out_dir = base / name
        out_dir.mkdir()
        (out_dir / "c-h1").write_text("old\n")
        (out_dir / "nl-h1").write_text("x")  # diff markers on both sides
        record = base / f"{name}.jsonl"
        env = ansible_env(home, FTL_RECORD_FILE=str(record), ANSIBLE_CALLBACK_PLUGINS=str(ORACLE / "callback_plugins"),
                          ANSIBLE_CALLBACKS_ENABLED="ftl_record")
        if name.endswith("colour"):  # Ansible's colours without a terminal (the width stays 80)
            del env["ANSIBLE_NOCOLOR"], env["NO_COLOR"]
            env["ANSIBLE_FORCE_COLOR"] = "1"
        p = subprocess.run(["ansible-playbook", "-i", str(inv), str(ORACLE / "shapes" / "shapes.yml"),
                            "-e", f"out_dir={out_dir}", *opts], env=env, cwd=base, capture_output=True, text=True,
                           timeout=300)
        assert p.returncode in (2, 4), p.stdout + p.stderr  # h2 fails; 'gone' is unreachable
        runs[name] = (p.stdout, events_from_records(record.read_text().splitlines()), opts)
    return runs


def render(events: list[ev.PlaybookEvent], **kw) -> str:
    buf, err = io.StringIO(), io.StringIO()
    out = TextOutput(buf, err, colour=False, width=80, **kw)
    for e in events:
        out(e)
    return buf.getvalue()


def without_config_line(text: str) -> str:
    """-v makes ansible-playbook (the CLI, not its callback) name its config file first."""
    lines = text.split("\n")
    return "\n".join(lines[1:] if lines and "config file" in lines[0] else lines)


@pytest.mark.parametrize("run", ["plain", "verbose-diff-colour"])
def test_text_output_equals_ansible_playbook_line_by_line(shapes, run):
    stdout, events, opts = shapes[run]
    buf = io.StringIO()
    out = TextOutput(buf, io.StringIO(), colour=run.endswith("colour"), width=80, verbosity=opts.count("-v"),
                     diff="-D" in opts)
    for e in events:
        out(e)
    mine = buf.getvalue()
    theirs = without_config_line(stdout)
    assert mine.splitlines() == theirs.splitlines()


def test_every_kind_of_line_was_exercised(shapes):
    """The comparison above is only as good as the corpus: it must show each shape."""
    text = shapes["plain"][0]
    for needle in ("PLAY [Shapes of results]", "ok: [h1] => {", "changed: [h1]", "skipping: [h2]",
                   "fatal: [h1]: FAILED! => {", "...ignoring", "ok: [h1] => (item=a)", "failed: [h1] (item=b) => {",
                   "skipping: [h1] => (item=1) ", "(item={'a': 1, 'b': 'x'})", "included: ", "[h1 -> h2]",
                   "RUNNING HANDLER [a handler]", "skipping: no hosts matched", "fatal: [gone]: UNREACHABLE! => {",
                   "[ERROR]: Task failed: Module failed: non-zero return code", "Origin: ", "PLAY RECAP"):
        assert needle in text, needle
    coloured = re.sub(r"\x1b\[[0-9;]*m", "", shapes["verbose-diff-colour"][0])
    assert "--- before: " in coloured and "+new h1" in coloured
    assert "-x\n\\ No newline at end of file\n+no newline\n\\ No newline" in coloured
    assert "\x1b[0;33mchanged: [h1]" in shapes["verbose-diff-colour"][0]


def test_banner_width_follows_the_terminal_and_keeps_three_stars():
    assert banner("TASK [x]", 80) == "TASK [x] " + "*" * 71
    assert len(banner("TASK [x]", 120)) == 120
    assert banner("PLAY [" + "n" * 100 + "]", 80).endswith("] ***")


def test_recap_colours_wrap_fields_like_ansible():
    line = recap_line("h1", ev.HostStats(ok=10, changed=3, skipped=1, ignored=2), colour=True)
    assert line == ("\x1b[0;33mh1\x1b[0m                         : \x1b[0;32mok=10  \x1b[0m \x1b[0;33mchanged=3   \x1b[0m "
                    "unreachable=0    failed=0    \x1b[0;36mskipped=1   \x1b[0m rescued=0    \x1b[1;35mignored=2   \x1b[0m")


def test_remote_text_cannot_drive_the_terminal():
    events = [ev.PlaybookStarted(path="p.yml"), ev.PlayStarted(index=0, label="p\x1b]0;title\x07", hosts=("h",), location=""),
              ev.TaskStarted(play=0, task_id="t", label="t\x1b[2J", action="command", path=""),
              ev.ItemResult(play=0, task_id="t", host="h", status="ok", label="\x1b[31mred", result={}),
              ev.HostTaskResult(play=0, task_id="t", host="h", status="failed", result={"msg": "\x1b[2Jx"})]
    text = render(events)
    assert "\x1b" not in text
