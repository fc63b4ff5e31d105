"""Fixtures for the drift tests: a fake host root under tmp, local inventories, the CLI."""

from __future__ import annotations

import io
import os
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any, Callable

import pytest
import yaml

from ftltui.cli import main

PASSWD = "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
GROUP = "root:x:0:\nsudo:x:27:\n"
SUDOERS = "Defaults env_reset\n# a comment\nroot ALL=(ALL:ALL) ALL\n"
SERVICES = "nginx.service active running\ncron.service active running\n"


def make_root(base: Path, *, real_proc: bool = False) -> Path:
    """A minimal host tree: /etc files the collector reads, a service state file.

    ``real_proc`` links ``<root>/proc`` to the live ``/proc`` so listening ports (and
    mounts, sysctls) are the machine's real ones.
    """
    root = base / "root"
    (root / "etc" / "sudoers.d").mkdir(parents=True)
    (root / "etc" / "cron.d").mkdir()
    (root / "etc" / "ssh").mkdir()
    (root / "etc" / "passwd").write_text(PASSWD)
    (root / "etc" / "group").write_text(GROUP)
    (root / "etc" / "sudoers").write_text(SUDOERS)
    (root / "etc" / "hosts").write_text("127.0.0.1 localhost\n")
    (root / "etc" / "ssh" / "sshd_config").write_text("PermitRootLogin no\nPasswordAuthentication no\n")
    (root / "etc" / "crontab").write_text("SHELL=/bin/sh\n17 * * * * root cd / && run-parts --report /etc/cron.hourly\n")
    (root / "etc" / "ftl-services").write_text(SERVICES)
    os.chmod(root / "etc" / "sudoers", 0o440)
    if real_proc:
        (root / "proc").symlink_to("/proc")
    return root


@pytest.fixture
def host_root(tmp_path: Path) -> Path:
    return make_root(tmp_path)


@pytest.fixture
def local_inv(tmp_path: Path) -> Callable[..., Path]:
    """Write an inventory of local hosts; every host gets its own fake root under tmp."""

    def make(names: list[str], *, sections: list[str] | None = None, real_proc: bool = False,
             shared_root: Path | None = None) -> Path:
        hosts: dict[str, Any] = {}
        for n in names:
            root = shared_root or make_root(tmp_path / n, real_proc=real_proc)
            hosts[n] = {"ftl_drift_root": str(root), "ftl_drift_service_states": "/etc/ftl-services"}
        gvars: dict[str, Any] = {"ansible_connection": "local"}
        if sections:
            gvars["ftl_drift_sections"] = sections
        inv = {"all": {"vars": gvars, "children": {"web": {"hosts": hosts}}}}
        path = tmp_path / "inv.yml"
        path.write_text(yaml.safe_dump(inv))
        return path

    return make


class CliResult:
    def __init__(self, rc: int, out: str, err: str) -> None:
        self.rc, self.out, self.err = rc, out, err


@pytest.fixture
def cli(tmp_path: Path) -> Callable[..., CliResult]:
    """Run ``ftl-tui`` in-process with a private state dir; returns rc, stdout, stderr."""
    state = tmp_path / "state"

    def run(*argv: str) -> CliResult:
        out, err = io.StringIO(), io.StringIO()
        with redirect_stdout(out), redirect_stderr(err):
            rc = main(["--state-dir", str(state), *argv])
        return CliResult(rc, out.getvalue(), err.getvalue())

    run.state = state  # type: ignore[attr-defined]
    return run
