"""The console's route line follows the ssh config too (no network: resolution only)."""

from __future__ import annotations

from pathlib import Path

from ftltui.inventory.model import Host
from ftltui.tui.hostview import route


def test_route_shows_config_proxyjump_and_proxycommand(tmp_path: Path) -> None:
    cfg = tmp_path / "ssh_config"
    cfg.write_text("Host app\n  HostName 198.18.250.20\n  ProxyJump gw1,gw2\n"
                   "Host pc\n  ProxyCommand nc %h %p\n")
    via = Host("app", {"ansible_host": "app", "ansible_user": "u", "ansible_ssh_common_args": f"-F {cfg}"})
    assert route(via) == "via gw1 -> gw2 -> u@app:22"
    pc = Host("pc", {"ansible_user": "u", "ansible_ssh_common_args": f"-F {cfg}"})
    assert route(pc) == "through ProxyCommand nc pc 22 -> u@pc:22"
    plain = Host("x", {"ansible_host": "198.18.250.21", "ansible_ssh_common_args": f"-F {cfg}"})
    assert route(plain) == "direct 198.18.250.21:22"
    broken = tmp_path / "broken"
    broken.write_text("Port x\n")
    assert route(Host("y", {"ansible_ssh_common_args": f"-F {broken}"})) == "direct y:22"
