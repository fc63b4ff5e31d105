"""The test bed itself: real sshd answers, and the jump topology really isolates."""

from __future__ import annotations

import subprocess
import time

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


@pytest.fixture
def bed_dir():
    """Not tmp_path: pytest's base dir is 0700 and sshd reads authorized_keys as the user."""
    import shutil
    import tempfile
    from pathlib import Path

    d = Path(tempfile.mkdtemp(prefix="ftl-testbed-slots-"))
    d.chmod(0o755)
    yield d
    shutil.rmtree(d, ignore_errors=True)


def _bed_or_skip():
    import os

    import testbed

    if os.geteuid() != 0 or testbed.netns_available():
        pytest.skip("needs root and network namespaces")
    return testbed


@pytest.mark.netns
def test_beds_started_at_once_get_their_own_slots(bed_dir) -> None:
    """Two xdist workers starting jump beds together once both picked one port (CI)."""
    import threading

    testbed = _bed_or_skip()
    beds, errors = [], []

    def start(i: int) -> None:
        root = bed_dir / f"bed{i}"
        try:
            beds.append(testbed.TestBed(root).up(1, jump=True))
        except Exception as exc:  # reported below, with the others
            errors.append(exc)

    threads = [threading.Thread(target=start, args=(i,)) for i in range(3)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors, errors
        assert len({b.port % testbed.SLOTS for b in beds}) == 3
        for b in beds:
            assert _ssh(b, "deep").returncode == 0
    finally:
        for b in beds:
            b.down()
    assert not any(testbed._claim_path(b.port).exists() for b in beds)


@pytest.mark.netns
def test_a_dead_beds_leftovers_do_not_block_its_slot(bed_dir) -> None:
    testbed = _bed_or_skip()
    port = 22100 + 7 * 40
    leftover = f"f{port + testbed.SLOTS * 7}-bastion"  # another port in the same slot
    testbed.CLAIMS.mkdir(parents=True, exist_ok=True)
    testbed._claim_path(port).write_text(str(bed_dir / "gone") + "\n")
    subprocess.run(["ip", "netns", "add", leftover], check=True)
    bed = None
    try:
        bed = testbed.TestBed(bed_dir / "bed").up(1, jump=True, port=port)
        assert _ssh(bed, "deep").returncode == 0
        assert leftover not in subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    finally:
        if bed:
            bed.down()
        subprocess.run(["ip", "netns", "del", leftover], capture_output=True)


def _links() -> str:
    return subprocess.run(["ip", "-o", "link", "show"], capture_output=True, text=True).stdout


@pytest.mark.netns
def test_a_bed_going_down_takes_its_hosts_processes_along(bed_dir) -> None:
    """A process left in a bed's namespace (an Ansible fork server idles 10 minutes) kept
    the namespace and its root-side veth alive after ``down``: the next bed on that port
    failed with "RTNETLINK answers: File exists" (CI, stop 21)."""
    testbed = _bed_or_skip()
    bed = testbed.TestBed(bed_dir / "bed").up(1, jump=True)
    lingering = subprocess.Popen(["ip", "netns", "exec", bed.hosts["bastion"].netns, "sleep", "600"],
                                 start_new_session=True)
    try:
        bed.down()
        assert lingering.wait(5) == -9
        assert f"{bed.tag}a0" not in _links()
    finally:
        if lingering.poll() is None:
            lingering.kill()
            lingering.wait()
        bed.down()


@pytest.mark.netns
def test_a_namespace_outliving_its_name_does_not_block_its_slot(bed_dir) -> None:
    testbed = _bed_or_skip()
    port = 22100 + 7 * 41
    tag = f"f{port}"
    testbed.CLAIMS.mkdir(parents=True, exist_ok=True)
    testbed._claim_path(port).write_text(str(bed_dir / "gone") + "\n")
    subprocess.run(["ip", "netns", "add", f"{tag}-bastion"], check=True)
    subprocess.run(["ip", "link", "add", f"{tag}a0", "type", "veth", "peer", "name", f"{tag}a1",
                    "netns", f"{tag}-bastion"], check=True)
    lingering = subprocess.Popen(["ip", "netns", "exec", f"{tag}-bastion", "sleep", "600"], start_new_session=True)
    time.sleep(0.2)
    subprocess.run(["ip", "netns", "del", f"{tag}-bastion"], check=True)  # the name goes, the namespace stays
    bed = None
    try:
        assert f"{tag}a0" in _links()
        bed = testbed.TestBed(bed_dir / "bed").up(1, jump=True, port=port)
        assert _ssh(bed, "deep").returncode == 0
    finally:
        if bed:
            bed.down()
        lingering.kill()
        lingering.wait()
        subprocess.run(["ip", "link", "del", f"{tag}a0"], capture_output=True)
