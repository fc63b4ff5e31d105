"""The runner's cached chains follow edits of the ssh config (a console session is long)."""

from __future__ import annotations

from pathlib import Path

from ftltui.engine.ssh.runner import SshRunner
from ftltui.inventory.model import Host


def test_edited_ssh_config_is_read_again(tmp_path: Path) -> None:
    cfg = tmp_path / "ssh_config"
    cfg.write_text("Host app\n  User first\n")
    host = Host("app", {"ansible_ssh_common_args": f"-F {cfg}"})
    runner = SshRunner()
    assert runner.chain(host)[-1].user == "first"
    assert runner.chain(host) is runner.chain(host)  # cached while nothing changed
    cfg.write_text("Host app\n  User second-user\n  ProxyJump gw\n")
    chain = runner.chain(host)
    assert chain[-1].user == "second-user" and [ep.name for ep in chain[:-1]] == ["gw"]
