"""hV2 finding 2: a re-run of a job that had secrets (a become password, a secret argument)
enqueued the stored spec, where the secret is ``********``, with ``has_secrets`` False: su
got ``********`` as the password, a ``password=`` argument would be set to it. Now every face
refuses with the ``secrets_lost`` words: the console's r/e/u (``job_action``), ``jobs retry``
and ``jobs requeue`` (the CLI in its own process), and the owner's requeue (``queue.requeue``,
what ``jobs.requeue`` calls). Nothing is queued and no host runs the mask.
Real state dir, real CLI processes, a local-connection host.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ftltui.console import ConsoleSession
from ftltui.console.run_args import RunBecome
from ftltui.errors import StateError
from ftltui.inventory import load_inventory
from ftltui.paths import REPO_DIR

SECRET = "hunter2SECRET"


def ftl(*args: str, state: Path, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO_DIR)}
    return subprocess.run([sys.executable, "-m", "ftltui", *args, "--state-dir", str(state)],
                          capture_output=True, text=True, env=env, timeout=120, cwd=cwd, check=False)


def test_rerun_of_a_job_with_a_become_password_is_refused_on_every_face(tmp_path: Path) -> None:
    state, inv = tmp_path / "st", tmp_path / "inv.yml"
    inv.write_text("all:\n  hosts:\n    h1:\n      ansible_connection: local\n")

    async def console() -> int:
        async with ConsoleSession(state, inventory=load_inventory([str(inv)])) as s:
            assert s.queue is not None
            job = await s.submit_run("h1", "command", {"_raw_params": "false"},
                                     become=RunBecome("nobody", "su", SECRET))
            done = await s.queue.wait(job.id)
            assert done.state in ("failed", "dead"), done.state
            for action in ("requeue", "retry", "rerun"):  # the console's u, r, e
                result = await s.job_action(action, job.id)
                assert not result.done and result.new_job is None, (action, result.message)
                if action != "requeue" and "nothing to re-run" in result.message:
                    continue  # its host is held (the command may have run): said before any secret is asked
                assert "secrets lost" in result.message and "a become password" in result.message, result.message
                assert result.needs_secrets == ("become_password",), result
            with pytest.raises(StateError, match="secrets lost"):  # the owner API's jobs.requeue
                await s.queue.requeue(job.id)
            assert len(s.jobs) == 1 and len(s.queue.store.table("jobs").all()) == 1
            return job.id

    job_id = asyncio.run(console())
    for cmd in ("retry", "requeue"):
        out = ftl("jobs", cmd, str(job_id), state=state, cwd=tmp_path)
        assert out.returncode != 0, (cmd, out.stdout, out.stderr)
        assert "secrets lost" in out.stderr or (cmd == "retry" and "nothing to re-run" in out.stderr), (cmd, out.stderr)
    second = ftl("jobs", "show", str(job_id + 1), state=state, cwd=tmp_path)
    assert second.returncode != 0, second.stdout  # nothing was queued by any face


# -- a retry given its secrets again (session 10, hC) --------------------------------------

def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _bed_inventory(path: Path, bed: object, h02_port: int | None) -> None:
    """h01 and h02 of the bed; h02 on ``h02_port`` (a closed port: unreachable) when given."""
    import json

    from testbed import BECOME_USER

    hosts = {}
    for name in ("h01", "h02"):
        v = dict(bed.host_vars(name))  # type: ignore[attr-defined]
        if name == "h02" and h02_port is not None:
            v["ansible_port"] = h02_port
        hosts[name] = v
    all_vars = {"ansible_ssh_common_args": f"-o UserKnownHostsFile={bed.known_hosts}",  # type: ignore[attr-defined]
                "ansible_python_interpreter": "/usr/bin/python3", "ansible_become_user": BECOME_USER}
    path.write_text(json.dumps({"all": {"vars": all_vars, "hosts": hosts}}))


def _state_text(state: Path) -> str:
    """Every byte the state directory holds (store, journal, logs, content), as text."""
    return "\n".join(p.read_bytes().decode("utf-8", "replace") for p in state.rglob("*") if p.is_file())


def _become_job_with_h02_down(tmp_path: Path, bed: object) -> tuple[Path, Path, int]:
    """A console's run of ``id -un`` as the bed's become user with its sudo password: h01
    runs it, h02 is unreachable (a closed port), so the job fails; then h02 is back."""
    from testbed import BECOME_PASSWORD, BECOME_USER, SUDOERS

    if not SUDOERS.exists():
        bed._ensure_become()  # type: ignore[attr-defined]
    state, inv = tmp_path / "st", tmp_path / "inv.json"
    _bed_inventory(inv, bed, _free_port())

    async def console() -> int:
        async with ConsoleSession(state, inventory=load_inventory([str(inv)])) as s:
            assert s.queue is not None
            job = await s.submit_run("all", "command", {"_raw_params": "id -un"},
                                     become=RunBecome(BECOME_USER, "sudo", BECOME_PASSWORD))
            done = await s.queue.wait(job.id)
            assert done.state in ("failed", "dead"), done.state
            return job.id

    job_id = asyncio.run(console())
    _bed_inventory(inv, bed, None)  # h02 reachable again: the retry can succeed
    return state, inv, job_id


@pytest.mark.ssh
def test_retry_takes_the_become_password_again_and_never_stores_it(sshbed, tmp_path: Path) -> None:
    """The 3 a.m. case: a become run failed (a host was down); ``jobs retry`` without the
    password names what to add (-K); with ``--become-password-file`` it re-runs the failed
    host with the password and succeeds. The job records which secret it had, never its
    value; the state, the logs and the command's output never hold the password."""
    import json

    from testbed import BECOME_PASSWORD, BECOME_USER

    state, _inv, job_id = _become_job_with_h02_down(tmp_path, sshbed)
    doc = json.loads(ftl("jobs", "show", str(job_id), "--json", state=state, cwd=tmp_path).stdout)
    assert doc["secret_kinds"] == ["become_password"], doc.get("secret_kinds")

    refused = ftl("jobs", "retry", str(job_id), state=state, cwd=tmp_path)
    assert refused.returncode == 4, (refused.stdout, refused.stderr)
    assert f"job {job_id} used a become password" in refused.stderr and "add -K" in refused.stderr, refused.stderr

    pwfile = tmp_path / "become-pass"
    pwfile.write_text(BECOME_PASSWORD + "\n")
    out = ftl("jobs", "retry", str(job_id), "--become-password-file", str(pwfile), state=state, cwd=tmp_path)
    assert out.returncode == 0, (out.stdout, out.stderr)
    assert BECOME_USER in out.stdout, out.stdout  # sudo ran id as the become user: the password was right
    new = json.loads(ftl("jobs", "show", str(job_id + 1), "--json", state=state, cwd=tmp_path).stdout)
    assert new["state"] == "succeeded" and new["parent"] == job_id, new
    assert new["hosts"] == ["h02"], new["hosts"]  # from failure: h01 had finished
    assert new["secret_kinds"] == ["become_password"] and new["spec"]["become"]["password"] == "********"
    assert BECOME_PASSWORD not in _state_text(state)
    assert BECOME_PASSWORD not in out.stdout + out.stderr + refused.stdout + refused.stderr


@pytest.mark.ssh
def test_requeue_asks_the_become_password_with_K_on_a_terminal(sshbed, tmp_path: Path) -> None:
    """``jobs requeue ID -K``: asked on the terminal as ``run -K`` asks, the copy runs on
    both hosts with it; the screen and the state never show it."""
    from ptycli import cli_in_pty
    from testbed import BECOME_PASSWORD, BECOME_USER

    state, _inv, job_id = _become_job_with_h02_down(tmp_path, sshbed)
    env = {**os.environ, "PYTHONPATH": str(REPO_DIR)}
    code, screen = cli_in_pty([sys.executable, "-m", "ftltui", "jobs", "requeue", str(job_id), "-K",
                               "--state-dir", str(state)], b"BECOME password:", BECOME_PASSWORD,
                              cwd=tmp_path, env=env)
    assert code == 0, screen
    assert screen.count("BECOME password:") == 1, screen  # asked once, not again by the run's session
    assert screen.count(BECOME_USER) >= 2, screen  # h01 and h02
    assert BECOME_PASSWORD not in screen
    assert BECOME_PASSWORD not in _state_text(state)


@pytest.mark.ssh
def test_retry_through_an_owner_sends_the_become_password_to_it(sshbed, tmp_path: Path) -> None:
    """With a daemon owning the state, ``jobs retry ID`` is the owner's ``jobs.again``: without
    the password it is refused naming -K; with ``--become-password-file`` the password travels
    in the request's ``secrets`` (the 0600 socket, never argv) and the owner's new job runs
    with it: it succeeds, and neither the owner's output nor its state holds the password."""
    import json
    import signal

    from daemonhelp import start_daemon
    from testbed import BECOME_PASSWORD, BECOME_USER

    state, inv, job_id = _become_job_with_h02_down(tmp_path, sshbed)
    daemon = start_daemon(state, inventory=str(inv))
    try:
        refused = ftl("jobs", "retry", str(job_id), "--detach", state=state, cwd=tmp_path)
        pwfile = tmp_path / "become-pass"
        pwfile.write_text(BECOME_PASSWORD + "\n")
        out = ftl("jobs", "retry", str(job_id), "--become-password-file", str(pwfile), state=state, cwd=tmp_path)
        new = json.loads(ftl("jobs", "show", str(job_id + 1), "--json", state=state, cwd=tmp_path).stdout)
    finally:
        daemon.send_signal(signal.SIGTERM)
        daemon_out, daemon_err = daemon.communicate(timeout=60)
    assert refused.returncode == 4 and "used a become password" in refused.stderr and "add -K" in refused.stderr, \
        (refused.stdout, refused.stderr)
    assert out.returncode == 0, (out.stdout, out.stderr)
    assert BECOME_USER in out.stdout, out.stdout
    assert new["state"] == "succeeded" and new["hosts"] == ["h02"] and new["secret_kinds"] == ["become_password"], new
    assert BECOME_PASSWORD not in out.stdout + out.stderr + daemon_out + daemon_err
    assert BECOME_PASSWORD not in _state_text(state)


def test_requeue_takes_a_secret_module_argument_from_the_environment(tmp_path: Path) -> None:
    """A ``uri`` run with ``url_password`` (a secret argument) failed (the server answered
    503); ``jobs requeue`` without it names ``--secret url_password``; a name the job did not
    have is refused; ``--secret url_password=ENVVAR`` runs the copy with the real password
    (the server checks the Basic auth header) and the state never holds it."""
    import base64
    import http.server
    import threading

    state, inv = tmp_path / "st", tmp_path / "inv.yml"
    inv.write_text("all:\n  hosts:\n    h1:\n      ansible_connection: local\n"
                   "      ansible_python_interpreter: " + sys.executable + "\n")
    seen: list[str] = []
    up = threading.Event()  # set: the server answers 200 to the right password

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # http.server's name for a GET
            auth = self.headers.get("Authorization", "")
            seen.append(auth)
            ok = auth == "Basic " + base64.b64encode(f"ops:{SECRET}".encode()).decode()
            self.send_response(200 if ok and up.is_set() else 503 if ok else 401)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/"

    async def console() -> int:
        async with ConsoleSession(state, inventory=load_inventory([str(inv)])) as s:
            assert s.queue is not None
            job = await s.submit_run("h1", "uri", {"url": url, "url_username": "ops", "url_password": SECRET,
                                                   "force_basic_auth": True})
            done = await s.queue.wait(job.id)
            assert done.state in ("failed", "dead"), done.state
            return job.id

    try:
        job_id = asyncio.run(console())
        assert len(seen) == 1 and seen[0].startswith("Basic "), seen  # the first run sent it
        up.set()
        env = {**os.environ, "PYTHONPATH": str(REPO_DIR), "FTL_PW": SECRET}

        def requeue(*extra: str) -> subprocess.CompletedProcess:
            return subprocess.run([sys.executable, "-m", "ftltui", "jobs", "requeue", str(job_id), *extra,
                                   "--state-dir", str(state)], capture_output=True, text=True, env=env,
                                  timeout=120, cwd=tmp_path, check=False)

        bare, wrong, given = requeue(), requeue("--secret", "nope=FTL_PW"), \
            requeue("--secret", "url_password=FTL_PW")
    finally:
        server.shutdown()
        server.server_close()
    assert bare.returncode == 4 and "the secret argument url_password" in bare.stderr \
        and "add --secret url_password" in bare.stderr, bare.stderr
    assert wrong.returncode == 4 and "no secret named nope" in wrong.stderr, wrong.stderr
    assert given.returncode == 0, (given.stdout, given.stderr)
    assert len(seen) == 2 and seen[1] == seen[0], seen  # the copy sent the real password, not ********
    for out in (bare, wrong, given):
        assert SECRET not in out.stdout + out.stderr
    assert SECRET not in _state_text(state)


def _requeue(state: Path, cwd: Path, job_id: int, *extra: str, value: str = SECRET) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO_DIR), "FTL_VALUE": value}
    return subprocess.run([sys.executable, "-m", "ftltui", "jobs", "requeue", str(job_id), *extra,
                           "--state-dir", str(state)], capture_output=True, text=True, env=env, timeout=120,
                          cwd=cwd, check=False)


def _sha_check(var: str) -> str:
    """A shell command that succeeds only when ``var`` is SECRET (the file never holds it)."""
    import hashlib

    sha = hashlib.sha256(SECRET.encode()).hexdigest()
    return f"test \"$(printf %s '{{{{ {var} }}}}' | sha256sum | cut -c1-64)\" = {sha}"


@pytest.mark.parametrize("kind", ["workflow", "playbook"])
def test_requeue_of_a_workflow_or_playbook_takes_its_secret_again(tmp_path: Path, kind: str) -> None:
    """A workflow's secret variable (``secrets: [token]``, given with -e) and a playbook's
    private ``vars_prompt`` answer: the job records ``var:token`` / ``prompt:pw``; a requeue
    without it names ``--secret NAME``; with ``--secret NAME=ENVVAR`` the copy runs with the
    real value (its command checks the value's sha256) and a wrong value fails it."""
    import json

    from ftltui.console.job_secrets import PlaybookSecrets

    state, inv = tmp_path / "st", tmp_path / "inv.ini"
    inv.write_text(f"l1 ansible_connection=local ansible_python_interpreter={sys.executable}\n")
    name = "token" if kind == "workflow" else "pw"
    path = tmp_path / "flow.yml"
    if kind == "workflow":
        path.write_text(f"name: tok\nhosts: all\nsecrets: [token]\nsteps:\n  - name: check\n    module: shell\n"
                        f"    args: {json.dumps(_sha_check('token'))}\n")
    else:
        path.write_text("- hosts: all\n  gather_facts: false\n  vars_prompt:\n    - name: pw\n      private: true\n"
                        f"  tasks:\n    - shell: {json.dumps(_sha_check('pw'))}\n")

    async def console() -> int:
        async with ConsoleSession(state, inventory=load_inventory([str(inv)])) as s:
            assert s.queue is not None
            if kind == "workflow":
                job = await s.submit_workflow(str(path), vars={"token": SECRET})
            else:
                job = await s.submit_playbook(str(path), secrets=PlaybookSecrets(answers={"pw": SECRET},
                                                                                  private=("pw",)))
            done = await s.queue.wait(job.id)
            assert done.state == "succeeded", (done.state, done.reason)
            return job.id

    job_id = asyncio.run(console())
    shown = json.loads(ftl("jobs", "show", str(job_id), "--json", state=state, cwd=tmp_path).stdout)
    assert shown["secret_kinds"] == [f"{'var' if kind == 'workflow' else 'prompt'}:{name}"], shown
    bare = _requeue(state, tmp_path, job_id)
    assert bare.returncode == 4 and f"add --secret {name}" in bare.stderr, bare.stderr
    good = _requeue(state, tmp_path, job_id, "--secret", f"{name}=FTL_VALUE")
    assert good.returncode == 0, (good.stdout, good.stderr)
    wrong = _requeue(state, tmp_path, job_id, "--secret", f"{name}=FTL_VALUE", value="not-it")
    assert wrong.returncode != 0, (wrong.stdout, wrong.stderr)  # the value reached the command
    states = [json.loads(ftl("jobs", "show", str(i), "--json", state=state, cwd=tmp_path).stdout)["state"]
              for i in (job_id + 1, job_id + 2)]
    assert states == ["succeeded", "failed"], states
    assert SECRET not in _state_text(state)
    for out in (bare, good, wrong):
        assert SECRET not in out.stdout + out.stderr


def test_a_queued_job_whose_secrets_went_with_its_process_says_which_and_how(tmp_path: Path) -> None:
    """A become run queued by a process that ended before it ran (the password was in that
    process only): the next owner fails it with ``secrets_lost`` naming the become password
    and the requeue that gives it again; that requeue, with the password file, queues a job
    that runs with it (its outcome is not ``secrets_lost``)."""
    import json

    from ftltui.engine.executor import Executor
    from ftltui.jobs import JobQueue
    from ftltui.jobs.kinds import enqueue_run, register_builtin
    from ftltui.state import StateStore

    state, inv = tmp_path / "st", tmp_path / "inv.yml"
    inv.write_text("all:\n  hosts:\n    h1:\n      ansible_connection: local\n")

    async def queue_only() -> int:  # queued, never dispatched: this process "ends" holding the password
        q = JobQueue(StateStore.open(state), executor=Executor(load_inventory([str(inv)])))
        register_builtin(q)
        job = await enqueue_run(q, "h1", "command", {"_raw_params": "true"},
                                become={"user": "nobody", "method": "su", "password": SECRET})
        assert q.executor is not None
        await q.executor.close()
        q.store.close()
        return job.id

    async def next_owner(job_id: int) -> str:
        async with ConsoleSession(state, inventory=load_inventory([str(inv)])) as s:
            assert s.queue is not None
            done = await s.queue.wait(job_id)
            assert done.state in ("failed", "dead") and done.error_kind == "secrets_lost", (done.state, done.reason)
            return done.reason

    job_id = asyncio.run(queue_only())
    reason = asyncio.run(next_owner(job_id))
    assert "a become password never stored" in reason and f"jobs requeue {job_id}` with -K" in reason, reason
    pwfile = tmp_path / "pw"
    pwfile.write_text(SECRET + "\n")
    # --detach only queues it: the process that runs it later would not have the password
    detached = ftl("jobs", "requeue", str(job_id), "--become-password-file", str(pwfile), "--detach", state=state,
                   cwd=tmp_path)
    assert detached.returncode == 4 and "--detach with a job's secrets" in detached.stderr, detached.stderr
    out = ftl("jobs", "requeue", str(job_id), "--become-password-file", str(pwfile), state=state, cwd=tmp_path)
    shown = json.loads(ftl("jobs", "show", str(job_id + 1), "--json", state=state, cwd=tmp_path).stdout)
    assert shown["parent"] == job_id and shown["secret_kinds"] == ["become_password"], shown
    assert shown["error_kind"] != "secrets_lost", (out.stdout, out.stderr, shown["reason"])  # it ran with it
    assert SECRET not in _state_text(state) and SECRET not in out.stdout + out.stderr


@pytest.mark.ssh
def test_retry_of_a_play_run_with_a_become_password_file_asks_for_it(sshbed, tmp_path: Path) -> None:
    """``ftl-tui play site.yml --become-password-file F`` (as -K) with h02 down: the job says
    it had a become password, so ``jobs retry`` without one names -K, and with the file re-runs
    the play on h02 only, as the become user: it succeeds. The password is stored nowhere."""
    import json

    from testbed import BECOME_PASSWORD, BECOME_USER, SUDOERS

    if not SUDOERS.exists():
        sshbed._ensure_become()
    state, inv, book = tmp_path / "st", tmp_path / "inv.json", tmp_path / "site.yml"
    _bed_inventory(inv, sshbed, _free_port())
    book.write_text(f"- hosts: all\n  gather_facts: false\n  become: true\n  become_user: {BECOME_USER}\n"
                    "  tasks:\n    - command: id -un\n      register: who\n    - debug: {var: who.stdout}\n")
    pwfile = tmp_path / "become-pass"
    pwfile.write_text(BECOME_PASSWORD + "\n")
    first = ftl("play", str(book), "-i", str(inv), "--become-password-file", str(pwfile), state=state, cwd=tmp_path)
    assert first.returncode != 0 and BECOME_USER in first.stdout, (first.stdout, first.stderr)  # h01 ran it
    doc = json.loads(ftl("jobs", "show", "1", "--json", state=state, cwd=tmp_path).stdout)
    assert doc["secret_kinds"] == ["become_password"], doc.get("secret_kinds")
    _bed_inventory(inv, sshbed, None)
    refused = ftl("jobs", "retry", "1", state=state, cwd=tmp_path)
    assert refused.returncode == 4 and "used a become password" in refused.stderr and "add -K" in refused.stderr, \
        refused.stderr
    out = ftl("jobs", "retry", "1", "--become-password-file", str(pwfile), state=state, cwd=tmp_path)
    assert out.returncode == 0, (out.stdout, out.stderr)
    new = json.loads(ftl("jobs", "show", "2", "--json", state=state, cwd=tmp_path).stdout)
    assert new["state"] == "succeeded" and new["spec"]["options"]["limit"] == "h02", new
    assert BECOME_PASSWORD not in _state_text(state)
    for proc in (first, refused, out):
        assert BECOME_PASSWORD not in proc.stdout + proc.stderr


def test_a_mask_left_outside_the_secrets_given_again_is_never_run(tmp_path: Path) -> None:
    """The become password's text also in the command (so the stored command says
    ``********`` too): given the password again, the re-run is still refused, since the
    command would run with the mask in it (hV2 finding 2)."""
    state, inv = tmp_path / "st", tmp_path / "inv.yml"
    inv.write_text("all:\n  hosts:\n    h1:\n      ansible_connection: local\n")

    async def console() -> int:
        async with ConsoleSession(state, inventory=load_inventory([str(inv)])) as s:
            assert s.queue is not None
            job = await s.submit_run("h1", "command", {"_raw_params": f"echo {SECRET}"},
                                     become=RunBecome("nobody", "su", SECRET))
            await s.queue.wait(job.id)
            return job.id

    job_id = asyncio.run(console())
    pwfile = tmp_path / "pw"
    pwfile.write_text(SECRET + "\n")
    out = ftl("jobs", "requeue", str(job_id), "--become-password-file", str(pwfile), state=state, cwd=tmp_path)
    assert out.returncode == 4 and "still has ********" in out.stderr, (out.stdout, out.stderr)
    assert ftl("jobs", "show", str(job_id + 1), state=state, cwd=tmp_path).returncode != 0  # nothing queued
