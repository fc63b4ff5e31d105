"""Shared helpers of the drift tests (a fake host root)."""

from __future__ import annotations

import os
from pathlib import Path

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


def with_dead_w2(tmp_path: Path, inv: Path) -> Path:
    """A copy of the ``local_inv`` inventory ``inv`` (group ``web``) where host w2 is reached
    over ssh on a loopback port nothing listens on: its scan fails, w1's does not."""
    import yaml
    from netutil import closed_port

    data = yaml.safe_load(inv.read_text())
    data["all"]["children"]["web"]["hosts"]["w2"].update(
        ansible_connection="ssh", ansible_host="127.0.0.1", ansible_port=closed_port(), ansible_user="nobody",
        ansible_timeout=2, ansible_ssh_common_args=f"-o UserKnownHostsFile={tmp_path}/known_hosts")
    broken = tmp_path / "broken.yml"
    broken.write_text(yaml.safe_dump(data))
    return broken
