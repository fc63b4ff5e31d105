"""``ftl-tui play`` beside ``ansible-playbook`` on the real SSH bed: the acceptance corpus.

Each case runs the same playbook of tests/playbook/corpus/oracle/ with the same inventory
(three bed hosts, plus ``dead``: a loopback port nobody listens on) and the same options,
once with ansible-playbook and once with ``ftl-tui play`` (the command line, as a user
runs it), each writing under its own ``out`` directory. They must agree on the PLAY
RECAP lines (character for character), the exit status, and every file left on the
hosts (content, mode, owner). The bed's hosts share this machine's filesystem, so
"files on every host" are the per-host directories the playbooks write.
"""

from __future__ import annotations

import json
import os
import pwd
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from netutil import closed_port
from testbed import SUDOERS

pytestmark = [pytest.mark.skipif(shutil.which("ansible-playbook") is None, reason="ansible-core not installed"),
              pytest.mark.timeout(900)]  # ansible-playbook beside ftl-tui: minutes on a loaded 2-core machine

ORACLE = Path(__file__).parent / "corpus" / "oracle"
BED_HOSTS = ("h01", "h02", "h03")
VAULT_ARGS = ("--vault-password-file", str(ORACLE / "vault-password.txt"))


@pytest.fixture(scope="module")
def bed_inventory(sshbed, tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not SUDOERS.exists():
        sshbed._ensure_become()  # the become play needs the bed's sudoers rules
    hosts = {name: sshbed.host_vars(name) for name in BED_HOSTS}
    dead = {**sshbed.host_vars("h01"), "ansible_host": "127.0.0.1", "ansible_port": closed_port(),
            "ansible_timeout": 5}
    inv = {"all": {"vars": {"ansible_ssh_common_args": f"-o UserKnownHostsFile={sshbed.known_hosts}",
                            "ansible_python_interpreter": "/usr/bin/python3"},
                   "hosts": {"dead": dead},
                   "children": {"bed": {"hosts": hosts}}}}
    path = tmp_path_factory.mktemp("oracle-inv") / "inventory.json"
    path.write_text(json.dumps(inv))
    return path


def shared_dir(prefix: str) -> Path:
    """A directory the bed's login user (and its become users) can write: not under
    pytest's 0700 tmp."""
    d = Path(tempfile.mkdtemp(prefix=prefix, dir="/var/tmp"))
    d.chmod(0o777)
    return d


def tree(root: Path) -> dict[str, tuple[str, str, str]]:
    """Every file left under ``root``: relative path -> (content, mode, owner)."""
    out = {}
    for p in sorted(root.rglob("*")):
        if p.is_file():
            st = p.stat()
            out[str(p.relative_to(root))] = (p.read_text(errors="replace"), oct(st.st_mode & 0o7777),
                                             pwd.getpwuid(st.st_uid).pw_name)
    return out


def recap_lines(stdout: str) -> list[str]:
    lines = stdout.splitlines()
    if "PLAY RECAP" not in stdout:
        return []
    start = next(i for i, line in enumerate(lines) if line.startswith("PLAY RECAP"))
    return [line for line in lines[start + 1:] if line.strip()]


def run_both(playbook: str, inventory: Path, *args: str) -> dict[str, dict]:
    out: dict[str, dict] = {}
    for side in ("ansible", "ftl-tui"):
        work = shared_dir(f"ftl-oracle-{side}-")
        home = Path(tempfile.mkdtemp(prefix="home", dir="/tmp"))
        env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
        if side == "ansible":
            env.update(HOME=str(home), ANSIBLE_NOCOLOR="1", ANSIBLE_PIPELINING="True",
                       ANSIBLE_DEPRECATION_WARNINGS="False", ANSIBLE_RETRY_FILES_ENABLED="False",
                       ANSIBLE_SSH_CONTROL_PATH_DIR=str(home))  # a Unix socket path: keep it short
            cmd = ["ansible-playbook"]
        else:
            env["NO_COLOR"] = "1"
            cmd = [sys.executable, "-m", "ftltui", "play"]
        try:
            p = subprocess.run([*cmd, str(ORACLE / playbook), "-i", str(inventory), "-e", f"out={work}", *args],
                               cwd=ORACLE, env=env, capture_output=True, text=True, timeout=600)
            out[side] = {"rc": p.returncode, "stdout": p.stdout.replace(str(work), "<out>"), "stderr": p.stderr,
                         "recap": recap_lines(p.stdout), "files": tree(work)}
        finally:
            shutil.rmtree(work, ignore_errors=True)
            shutil.rmtree(home, ignore_errors=True)
    return out


def assert_same(res: dict[str, dict]) -> None:
    theirs, ours = res["ansible"], res["ftl-tui"]
    context = f"\n--- ansible-playbook:\n{theirs['stdout'][-3000:]}\n--- ftl-tui:\n{ours['stdout'][-3000:]}{ours['stderr'][-2000:]}"
    assert theirs["recap"], "ansible-playbook printed no recap" + context
    assert ours["recap"] == theirs["recap"], context
    assert ours["rc"] == theirs["rc"], context
    assert ours["files"] == theirs["files"], context


def test_main_corpus_vault_loops_handlers_rescue_serial_become_unreachable(bed_inventory):
    """main.yml: a vaulted vars_files, loops with register, handlers, a rescued failure,
    ``serial: 2`` (each host records its batch), become to a sudo user (files owned by it),
    and an unreachable host: exit status 4 from both."""
    res = run_both("main.yml", bed_inventory, *VAULT_ARGS)
    assert res["ansible"]["rc"] == 4 and res["ansible"]["files"], res["ansible"]["stdout"][-2000:]
    assert_same(res)
    assert "s3cr3t" not in res["ftl-tui"]["stdout"] + res["ftl-tui"]["stderr"]  # no_log and the vault


def changed_task_block(stdout: str, task: str) -> list[str]:
    """The lines a task printed (diff and host lines), sorted: hosts finish in any order."""
    lines = stdout.splitlines()
    start = lines.index(next(line for line in lines if line.startswith(f"TASK [{task}]")))
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith(("TASK [", "PLAY "))), len(lines))
    return sorted(line for line in lines[start + 1:end] if line.strip())


def test_check_and_diff_change_nothing_and_show_the_same_diffs(bed_inventory):
    res = run_both("checkdiff.yml", bed_inventory, "-l", "bed", "--check", "--diff")
    assert_same(res)
    assert all(c == "old\nsame\n" for p, (c, _m, _o) in res["ansible"]["files"].items() if p.endswith("/file"))
    for task in ("would change the content", "would create a file", "a command is skipped in check mode"):
        ours, theirs = (changed_task_block(res[side]["stdout"], task) for side in ("ftl-tui", "ansible"))
        assert ours == theirs, task  # diff headers included (tests/modules/test_copy_diff.py has more cases)


def test_tags_and_skip_tags_select_the_same_tasks(bed_inventory):
    res = run_both("tags.yml", bed_inventory, "-l", "bed", "--tags", "deploy", "--skip-tags", "slow")
    assert_same(res)
    names = {Path(p).name for p in res["ansible"]["files"]}
    assert names == {"deploy", "never", "block"}, names  # the oracle ran what the test is about


def test_list_tasks_and_tags_print_what_ansible_playbook_prints(bed_inventory):
    for opts in (["--list-tasks"], ["--list-tags"], ["--list-tasks", "-t", "deploy", "--skip-tags", "slow"]):
        res = {}
        for side, cmd in (("ansible", ["ansible-playbook"]), ("ftl-tui", [sys.executable, "-m", "ftltui", "play"])):
            p = subprocess.run([*cmd, "tags.yml", "-i", str(bed_inventory), *opts], cwd=ORACLE,
                               capture_output=True, text=True, timeout=120,
                               env={**os.environ, "ANSIBLE_NOCOLOR": "1"})
            res[side] = (p.returncode, p.stdout)
        assert res["ftl-tui"] == res["ansible"], opts


def test_list_hosts_names_the_same_hosts(bed_inventory):
    res = {}
    for side, cmd in (("ansible", ["ansible-playbook"]), ("ftl-tui", [sys.executable, "-m", "ftltui", "play"])):
        p = subprocess.run([*cmd, "main.yml", "-i", str(bed_inventory), "--list-hosts", "-l", "h01,h02,dead",
                            *VAULT_ARGS], cwd=ORACLE, capture_output=True, text=True, timeout=120,
                           env={**os.environ, "ANSIBLE_NOCOLOR": "1"})
        # ansible-playbook lists a play's hosts in no fixed order: compare each play's set
        plays = re.split(r"\n  play #", p.stdout)
        res[side] = (p.returncode, [sorted(line.strip() for line in play.splitlines() if line.startswith("      "))
                                    for play in plays])
    assert res["ftl-tui"] == res["ansible"]


def test_kv_arguments_decode_escapes_like_ansible(bed_inventory):
    res = run_both("kv_escapes.yml", bed_inventory, "-l", "h01")
    assert res["ansible"]["files"]["h01/kv"][0] == "line one\nline two\n"
    assert_same(res)


def test_a_host_behind_a_jump_host(jumpbed, tmp_path):
    """internal-1 is reachable only through the bastion: both tools take the ProxyJump from
    the bed's ssh config (``-F``), as a user's ~/.ssh/config would give it."""
    common = f"-F {jumpbed.ssh_config}"
    hosts = {"internal-1": {"ansible_host": "internal-1", "ansible_ssh_common_args": common,
                            "ansible_user": jumpbed.user, "ansible_ssh_private_key_file": str(jumpbed.key),
                            "ansible_python_interpreter": "/usr/bin/python3"}}
    inv = tmp_path / "jump.json"
    inv.write_text(json.dumps({"all": {"hosts": hosts}}))
    res = run_both("jump.yml", inv)
    assert res["ansible"]["rc"] == 0 and "internal-1/reached" in res["ansible"]["files"], res["ansible"]["stdout"]
    assert_same(res)


def _userless_inventory(sshbed, path: Path) -> Path:
    """h01 and h02 of the bed with no ``ansible_user``: ``-u`` gives it (the inventory's would win)."""
    hosts = {n: {k: v for k, v in sshbed.host_vars(n).items() if k != "ansible_user"} for n in ("h01", "h02")}
    path.write_text(json.dumps({"all": {"vars": {"ansible_ssh_common_args": f"-o UserKnownHostsFile={sshbed.known_hosts}",
                                                 "ansible_python_interpreter": "/usr/bin/python3"},
                                        "children": {"bed": {"hosts": hosts}}}}))
    return path


def test_user_and_become_options_of_the_command_line(sshbed, bed_inventory, tmp_path):
    """``-u USER -b --become-user U --become-method sudo --become-password-file F -f 1``
    (nothing in the playbook or the inventory): the same user runs every module and owns the
    files it writes, same recap and exit status as ansible-playbook."""
    from testbed import BECOME_PASSWORD, BECOME_USER

    inv = _userless_inventory(sshbed, tmp_path / "userless.json")
    pw = tmp_path / "become-pass"
    pw.write_text(BECOME_PASSWORD + "\n")
    res = run_both("cli_become.yml", inv, "-u", sshbed.user, "-b", "--become-user", BECOME_USER,
                   "--become-method", "sudo", "--become-password-file", str(pw), "-f", "1")
    assert res["ansible"]["files"].get("h01-who") == (f"{BECOME_USER}\n", "0o644", BECOME_USER), res["ansible"]["stdout"]
    assert_same(res)
    assert BECOME_PASSWORD not in res["ftl-tui"]["stdout"] + res["ftl-tui"]["stderr"]


def test_ask_become_pass_of_a_playbook_on_a_terminal(sshbed, bed_inventory, tmp_path):
    """``play -K``: asked once on the terminal (not echoed) as ansible-playbook's
    ``BECOME password:``; sudo on every host gets it."""
    from ptycli import cli_in_pty
    from testbed import BECOME_PASSWORD, BECOME_USER

    inv = _userless_inventory(sshbed, tmp_path / "userless.json")
    work = shared_dir("ftl-oracle-K-")
    try:
        argv = [sys.executable, "-m", "ftltui", "play", str(ORACLE / "cli_become.yml"), "-i", str(inv),
                "-e", f"out={work}", "-u", sshbed.user, "-b", "--become-user", BECOME_USER, "-K"]
        env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
        rc, screen = cli_in_pty(argv, b"BECOME password:", BECOME_PASSWORD, cwd=ORACLE, env=dict(env, NO_COLOR="1"))
        files = tree(work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    assert rc == 0, screen
    assert screen.count("BECOME password:") == 1, screen
    assert BECOME_PASSWORD not in screen
    assert files == {f"{h}-who": (f"{BECOME_USER}\n", "0o644", BECOME_USER) for h in ("h01", "h02")}, screen
