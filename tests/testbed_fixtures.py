"""pytest fixtures for the real-sshd test bed (loaded from tests/conftest.py).

``sshbed``: 5 loopback hosts, session-scoped. ``jumpbed``: the netns jump topology
(skipped with the reason where namespaces are unavailable). ``bigbed``: 50 hosts,
module-scoped, started only by the tests that ask for it. Every bed is torn down at
the end of its scope, on failure too (fixture finalisers run regardless).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator

import pytest

from testbed import TestBed, TestBedError, netns_available


def _start(tmp_path_factory: pytest.TempPathFactory, name: str, n: int, jump: bool) -> TestBed:
    if os.geteuid() != 0:
        pytest.skip("the SSH test bed needs root (useradd, sshd, netns)")
    if not os.path.exists("/usr/sbin/sshd"):
        pytest.skip("openssh-server is not installed (/usr/sbin/sshd missing)")
    if jump:
        reason = netns_available()
        if reason:
            pytest.skip(f"jump-host tests need network namespaces: {reason}")
    # not under tmp_path: pytest's base dir is 0700 and sshd reads authorized_keys as the user
    root = tempfile.mkdtemp(prefix=f"ftl-testbed-{name}-")
    try:
        return TestBed(root).up(n, jump=jump)
    except TestBedError as exc:
        pytest.fail(f"test bed did not start: {exc}")


def _bed(tmp_path_factory: pytest.TempPathFactory, name: str, n: int, jump: bool) -> Iterator[TestBed]:
    """Start a bed, hand it over, then stop everything it started and remove its files."""
    bed = _start(tmp_path_factory, name, n, jump)
    try:
        yield bed
    finally:
        bed.down()
        shutil.rmtree(bed.root, ignore_errors=True)


@pytest.fixture(scope="session")
def sshbed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestBed]:
    yield from _bed(tmp_path_factory, "sshbed", 5, jump=False)


@pytest.fixture(scope="session")
def jumpbed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestBed]:
    yield from _bed(tmp_path_factory, "jumpbed", 1, jump=True)


@pytest.fixture(scope="module")
def bigbed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestBed]:
    yield from _bed(tmp_path_factory, "bigbed", 50, jump=False)
