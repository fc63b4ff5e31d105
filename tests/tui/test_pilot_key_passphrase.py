"""The console asks for an encrypted SSH key's passphrase once per key per session.

Real parts: an OpenSSH-format key encrypted by ``ssh-keygen``, authorized on the real
sshd bed; no agent (``IdentityAgent none`` in an ssh config file the test writes); the
app through the pilot, typing into the real dialog.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from tuihelpers import ready, screen_text, wait_for

pytestmark = pytest.mark.ssh
SIZE = (80, 24)
PASS = "tui passphrase 42"


@pytest.fixture
def enc_key(jumpbed: Any, tmp_path: Path) -> Path:
    if shutil.which("ssh-keygen") is None:
        pytest.skip("ssh-keygen is not installed")
    path = tmp_path / "keys" / "id_tui"
    path.parent.mkdir()
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", PASS, "-C", "tui-test", "-f", str(path)],
                   check=True, stdin=subprocess.DEVNULL)
    with open(jumpbed.root / "authorized_keys", "a") as f:
        f.write(Path(str(path) + ".pub").read_text())
    return path


def _inventory(tmp_path: Path, bed: Any, key: Path) -> Path:
    cfg = tmp_path / "ssh_config"
    cfg.write_text(f"Host *\n  UserKnownHostsFile {bed.known_hosts}\n  IdentitiesOnly yes\n  IdentityAgent none\n")
    hosts = {n: {"ansible_host": bed.hosts[n].address, "ansible_port": bed.hosts[n].port, "ansible_user": bed.user,
                 "ansible_ssh_private_key_file": str(key), "ansible_ssh_common_args": f"-F {cfg}"}
             for n in ("h01", "bastion")}
    inv = tmp_path / "inv.json"
    inv.write_text(json.dumps({"all": {"hosts": hosts}}))
    return inv


def _done(app: Any, n: int) -> bool:
    jobs = app.services.jobs
    return len(jobs) >= n and all(j.state in ("succeeded", "failed", "dead") for j in jobs.values())


async def test_key_passphrase_asked_once_per_session(jumpbed, enc_key, make_app, tmp_path: Path) -> None:
    from ftltui.tui.screens.secret_prompt import SecretPrompt

    app = make_app([str(_inventory(tmp_path, jumpbed, enc_key))])
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        app.run_command_line("run all ping")
        await wait_for(pilot, lambda: isinstance(app.screen, SecretPrompt), timeout=60)
        shown = screen_text(app)
        assert "SSH key passphrase" in shown and "encrypted" in shown, shown
        await pilot.press(*"wrong", "enter")  # asked again, saying why
        await wait_for(pilot, lambda: isinstance(app.screen, SecretPrompt) and "Try again" in screen_text(app))
        await pilot.press(*PASS, "enter")
        await wait_for(pilot, lambda: _done(app, 1), timeout=60)
        job = app.services.jobs[1]
        assert job.state == "succeeded", job.reason
        assert set(app.services.host_results(job).values()) == {"ok"}
        app.run_command_line("run all ping")  # same session, same key: no dialog
        await wait_for(pilot, lambda: _done(app, 2), timeout=60)
        assert not isinstance(app.screen, SecretPrompt)
        assert app.services.jobs[2].state == "succeeded", app.services.jobs[2].reason
        assert PASS not in screen_text(app)
    for f in (tmp_path / "state").rglob("*"):
        if f.is_file():
            assert PASS.encode() not in f.read_bytes(), f
