"""The test bed itself: real sshd answers, and the jump topology really isolates."""

from __future__ import annotations

import subprocess

import pytest

pytestmark = pytest.mark.ssh


def _ssh(bed, name: str, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["ssh", "-F", str(bed.ssh_config), *extra, name, "id -un"],
                          capture_output=True, text=True, timeout=20)


def test_loopback_hosts_answer_as_throwaway_user(sshbed) -> None:
    r = _ssh(sshbed, "h01")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "ftltest"


@pytest.mark.netns
def test_internal_only_through_bastion(jumpbed) -> None:
    direct = _ssh(jumpbed, "internal-1", "-o", "ProxyJump=none", "-o", "ConnectTimeout=3")
    assert direct.returncode == 255
    via = _ssh(jumpbed, "deep")
    assert via.returncode == 0, via.stderr
