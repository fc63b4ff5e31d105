"""``ftl-tui play PLAYBOOK`` as a command: options, exit statuses, --json, Ctrl-C, the job.

Each behaviour that ansible-playbook also has is checked against ansible-playbook run on
the same files (local hosts); where ftl-tui deliberately differs it says so.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.skipif(shutil.which("ansible-playbook") is None, reason="ansible-core not installed"),
              pytest.mark.timeout(900)]  # ansible-playbook beside ftl-tui: minutes on a loaded 2-core machine

FTL = [sys.executable, "-m", "ftltui", "play"]
RECAP = re.compile(r"^(\S+)\s+: ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)\s+skipped=(\d+)\s+"
                   r"rescued=(\d+)\s+ignored=(\d+)")
KEYS = ("ok", "changed", "unreachable", "failed", "skipped", "rescued", "ignored")
PLAYBOOK = """\
- hosts: web
  gather_facts: false
  vars_prompt:
    - name: who
      prompt: Who
      default: nobody
      private: false
  tasks:
    - name: say who
      debug: var=who
    - name: touch
      file: path={{ out }}/{{ inventory_hostname }} state=touch
    - name: fail on h2
      fail: msg=no
      when: inventory_hostname == 'h2'
"""


@pytest.fixture
def work(tmp_path: Path) -> Path:
    py = sys.executable
    (tmp_path / "inv.ini").write_text(f"[web]\nh1 ansible_connection=local ansible_python_interpreter={py}\n"
                                      f"h2 ansible_connection=local ansible_python_interpreter={py}\n")
    (tmp_path / "site.yml").write_text(PLAYBOOK)
    (tmp_path / "bad.yml").write_text("- hosts: h1\n  gather_facts: false\n  bogus: 1\n  tasks: []\n")
    (tmp_path / "sleep.yml").write_text("- hosts: h1\n  gather_facts: false\n  tasks:\n    - command: sleep 60\n")
    (tmp_path / "home").mkdir()
    return tmp_path


def run(work: Path, cmd: list[str], *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    env.update(ANSIBLE_NOCOLOR="1", NO_COLOR="1", ANSIBLE_LOCALHOST_WARNING="False", HOME=str(work / "home"),
               ANSIBLE_RETRY_FILES_ENABLED="False")
    return subprocess.run([*cmd, *args], cwd=work, env=env, capture_output=True, text=True, timeout=300,
                          stdin=subprocess.DEVNULL)


def recap(stdout: str) -> dict[str, dict[str, int]]:
    return {m.group(1): dict(zip(KEYS, map(int, m.groups()[1:])))
            for m in map(RECAP.match, stdout.splitlines()) if m}


def test_syntax_check_of_a_good_playbook_prints_what_ansible_playbook_prints(work):
    theirs = run(work, ["ansible-playbook"], "site.yml", "-i", "inv.ini", "--syntax-check")
    ours = run(work, FTL, "site.yml", "-i", "inv.ini", "--syntax-check")
    assert (ours.returncode, ours.stdout) == (theirs.returncode, theirs.stdout) == (0, "\nplaybook: site.yml\n")


@pytest.mark.parametrize("extra", [[], ["--syntax-check"], ["--list-tasks"]])
def test_an_invalid_playbook_exits_4_naming_file_line_and_keyword(work, extra):
    theirs = run(work, ["ansible-playbook"], "bad.yml", "-i", "inv.ini", *extra)
    ours = run(work, FTL, "bad.yml", "-i", "inv.ini", *extra)
    assert ours.returncode == theirs.returncode == 4
    assert "bad.yml:3:3" in ours.stderr and "bogus" in ours.stderr, ours.stderr


def test_bad_options_exit_5(work):
    """ftl-tui's rule for every command (Ansible documents 5; its argparse exits 2)."""
    ours = run(work, FTL, "site.yml", "-i", "inv.ini", "-f", "0")
    assert ours.returncode == 5 and "--forks" in ours.stderr


def test_a_workflow_refuses_playbook_only_options(work, sample_inventory):
    ours = run(work, FTL, str(sample_inventory / "workflows" / "local-smoke.yml"), "-t", "x", "--list-tasks")
    assert ours.returncode == 5
    assert "--tags, --list-tasks: for playbooks only" in ours.stderr, ours.stderr


def test_text_run_recap_exit_status_and_prompt_default_as_ansible_playbook(work):
    """No terminal: vars_prompt takes its default (ansible-playbook: 'Not prompting')."""
    (work / "a").mkdir()
    (work / "f").mkdir()
    theirs = run(work, ["ansible-playbook"], "site.yml", "-i", "inv.ini", "-e", f"out={work}/a")
    ours = run(work, FTL, "site.yml", "-i", "inv.ini", "-e", f"out={work}/f")
    assert ours.returncode == theirs.returncode == 2
    assert sorted(os.listdir(work / "f")) == sorted(os.listdir(work / "a")) == ["h1", "h2"]
    assert recap(ours.stdout) == recap(theirs.stdout) and recap(theirs.stdout)
    assert '"who": "nobody"' in ours.stdout and '"who": "nobody"' in theirs.stdout


def test_json_is_one_event_per_line_with_schema_and_a_final_recap(work):
    theirs = run(work, ["ansible-playbook"], "site.yml", "-i", "inv.ini", "-e", f"out={work}")
    ours = run(work, FTL, "site.yml", "-i", "inv.ini", "-e", f"out={work}", "--json")
    docs = [json.loads(line) for line in ours.stdout.splitlines()]
    assert all(d["schema"] == 1 and d["event"] for d in docs)
    names = [d["event"] for d in docs]
    assert names[0] == "playbook.started" and names[-1] == "playbook.recap"
    assert {"play.started", "task.started", "task.host_result", "playbook.finished"} <= set(names)
    final = docs[-1]
    assert final["stats"] == recap(theirs.stdout)
    assert final["exit_code"] == ours.returncode == theirs.returncode == 2
    assert final["job"] and final["state"]


def test_a_playbook_run_is_a_durable_job(work):
    ours = run(work, FTL, "site.yml", "-i", "inv.ini", "-e", f"out={work}", "-l", "h1")
    assert ours.returncode == 0, ours.stdout + ours.stderr
    listed = subprocess.run([sys.executable, "-m", "ftltui", "jobs", "list", "--json"], capture_output=True,
                            text=True, timeout=120)
    jobs = json.loads(listed.stdout)
    jobs = jobs.get("jobs", jobs) if isinstance(jobs, dict) else jobs
    assert any(j.get("kind") == "playbook" and "site.yml -l h1" in j.get("title", "") for j in jobs), listed.stdout


def _wait_for_descendant(pid: int, name: str, patience: float = 60) -> None:
    """Until a process called ``name`` runs below ``pid`` (read from /proc), or ``patience`` s."""
    import time

    def parent(p: str) -> int:
        try:
            return int(Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            return 0

    end = time.monotonic() + patience
    while time.monotonic() < end:
        for proc in (d.name for d in Path("/proc").iterdir() if d.name.isdigit()):
            try:
                comm = Path(f"/proc/{proc}/comm").read_text().strip()
            except OSError:
                continue
            if comm != name:
                continue
            up = parent(proc)
            while up > 1 and up != pid:
                up = parent(str(up))
            if up == pid:
                return
        time.sleep(0.05)


def _interrupt(work: Path, cmd: list[str]) -> tuple[int, str]:
    """Start the run, wait for its TASK banner, then Ctrl-C (SIGINT) as a user would."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    env.update(ANSIBLE_NOCOLOR="1", NO_COLOR="1", HOME=str(work / "home"))
    p = subprocess.Popen([*cmd, "sleep.yml", "-i", "inv.ini"], cwd=work, env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    try:
        for line in p.stdout:  # type: ignore[union-attr]
            if line.startswith("TASK ["):
                break
        _wait_for_descendant(p.pid, "sleep")  # the task runs: before that, ansible-playbook may not see SIGINT
        p.send_signal(signal.SIGINT)
        _out, err = p.communicate(timeout=120)
    finally:
        if p.poll() is None:
            p.kill()
    return p.returncode, err


def test_ctrl_c_exits_99_as_ansible_playbook(work):
    theirs, _ = _interrupt(work, ["ansible-playbook"])
    ours, err = _interrupt(work, FTL)
    assert ours == theirs == 99, err
    assert "User interrupted execution" in err


def test_start_at_task_and_limit_give_ansible_playbooks_recap(work):
    args = ("site.yml", "-i", "inv.ini", "-e", f"out={work}", "--start-at-task", "touch", "-l", "h2", "-e", "who=x")
    theirs = run(work, ["ansible-playbook"], *args)
    ours = run(work, FTL, *args)
    assert recap(theirs.stdout) == {"h2": {"ok": 1, "changed": 1, "unreachable": 0, "failed": 1, "skipped": 0,
                                           "rescued": 0, "ignored": 0}}, theirs.stdout
    assert recap(ours.stdout) == recap(theirs.stdout)
    assert ours.returncode == theirs.returncode


def test_private_vars_prompt_on_a_terminal_looks_like_ansible_playbook(work):
    """On a terminal the prompt is asked, the answer is not echoed, and the screen is
    ansible-playbook's, character for character."""
    from ptycli import cli_in_pty

    (work / "prompt.yml").write_text("- hosts: h1\n  gather_facts: false\n  vars_prompt:\n    - name: secret_word\n"
                                     "      prompt: Secret word\n  tasks:\n"
                                     "    - debug: msg=\"len={{ secret_word | length }}\"\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    env.update(ANSIBLE_NOCOLOR="1", NO_COLOR="1", HOME=str(work / "home"))
    screens = {}
    for side, cmd in (("ansible", ["ansible-playbook"]), ("ftl-tui", FTL)):
        rc, screen = cli_in_pty([*cmd, "-i", "inv.ini", "prompt.yml"], b"Secret word", "hunter22", cwd=work,
                                env=env)
        screens[side] = (rc, screen)
    assert screens["ftl-tui"] == screens["ansible"]
    assert '"msg": "len=8"' in screens["ansible"][1] and "hunter22" not in screens["ansible"][1]
