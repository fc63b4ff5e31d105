"""Sites without a broker: which site a host has, which broker URLs are accepted, the key file,
sealing, and the commands' usage errors (exit 5, the password never printed)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from ftltui.cli import main
from ftltui.inventory.model import Host
from ftltui.sites.broker import Broker, resolve_broker, shown
from ftltui.sites.errors import SitesError
from ftltui.sites.seal import Refused, Sealer, create_key, load_key
from ftltui.sites.settings import SiteSettings, load_site_settings

PW = "pw-Never-Printed-77"


def test_site_of_host_var_wins_then_first_mapped_group() -> None:
    s = SiteSettings(group_sites=(("east_dc", "east"), ("web", "west")))
    assert s.site_of(Host("a", {"ftl_site": "north"}, ("east_dc",))) == "north"
    assert s.site_of(Host("b", {}, ("web", "east_dc"))) == "east"  # file order, not the host's group order
    assert s.site_of(Host("c", {}, ("db",))) is None
    local, sites = s.shard([Host("a", {}, ("web",)), Host("b", {}), Host("c", {"ftl_site": "west"})])
    assert [h.name for h in local] == ["b"] and {k: [h.name for h in v] for k, v in sites.items()} == {"west": ["a", "c"]}


def test_settings_from_ansible_cfg(tmp_path: Path) -> None:
    cfg = tmp_path / "ansible.cfg"
    cfg.write_text("[defaults]\nforks = 7\n\n[ftl_sites]\nbroker_file = broker.url\nkey_file = ~/k\n"
                   "pickup_timeout = 12\n\n[ftl_site_groups]\nDC_East = east\nweb = west ; a comment\n")
    s = load_site_settings(tmp_path, {"ANSIBLE_CONFIG": str(cfg)})
    assert s.group_sites == (("DC_East", "east"), ("web", "west"))  # group names keep their case
    assert s.broker_file == str(tmp_path / "broker.url") and s.pickup_timeout == 12.0
    assert s.key_file == str(Path("~/k").expanduser())
    cfg.write_text("[ftl_site_groups]\nweb = no spaces allowed\n")
    with pytest.raises(SitesError, match=r"ansible.cfg: \[ftl_site_groups\] web = 'no spaces allowed'"):
        load_site_settings(tmp_path, {"ANSIBLE_CONFIG": str(cfg)})


def _secret_file(path: Path, text: str, mode: int = 0o600) -> str:
    path.write_text(text + "\n")
    os.chmod(path, mode)
    return str(path)


def test_broker_urls_accepted_and_refused(tmp_path: Path) -> None:
    sock = f"redis+socket://:{PW}@/run/redis.sock"
    assert resolve_broker(env={"FTL_TUI_BROKER": sock}).url == sock
    assert resolve_broker(env={}, url_file=_secret_file(tmp_path / "u", f"rediss://:{PW}@redis.example:6380/0")).url \
        .startswith("rediss://")
    assert resolve_broker(env={}, url=f"redis://10.0.0.5:6379/0", insecure_tcp=True,
                          password_file=_secret_file(tmp_path / "p", PW)).url == f"redis://:{PW}@10.0.0.5:6379/0"
    refused = {
        "no password": dict(env={"FTL_TUI_BROKER": "redis+socket:///run/redis.sock"}),
        "plain TCP": dict(env={"FTL_TUI_BROKER": f"redis://:{PW}@10.0.0.5:6379/0"}),
        "process list": dict(env={}, url=f"redis://:{PW}@127.0.0.1:6379/0"),
        "chmod 600": dict(env={}, url_file=_secret_file(tmp_path / "loose", sock, 0o644)),
        "no broker": dict(env={}),
        "expected redis": dict(env={"FTL_TUI_BROKER": f"amqp://u:{PW}@h/"}),
    }
    for expected, kw in refused.items():
        with pytest.raises(SitesError) as err:
            resolve_broker(**kw)  # type: ignore[arg-type]
        assert expected in str(err.value) and PW not in str(err.value), (expected, str(err.value))
    assert resolve_broker(env={"FTL_TUI_BROKER": f"redis://:{PW}@127.0.0.1:6379/0"}).url.endswith("6379/0")
    assert shown(sock) == "redis+socket://:***@/run/redis.sock" and PW not in repr(Broker(sock, "x"))


def test_key_file_and_sealing(tmp_path: Path) -> None:
    key = tmp_path / "k"
    create_key(key)
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    with pytest.raises(SitesError, match="already there"):
        create_key(key)
    sealer = Sealer(load_key(key))
    token = sealer.seal({"a": [1, "plain-marker-text"]})
    assert sealer.open(token) == {"a": [1, "plain-marker-text"]} and "plain-marker" not in token
    forged = token[:-6] + ("A" if token[-6] != "A" else "B") + token[-5:]
    with pytest.raises(Refused):
        sealer.open(forged)
    os.chmod(key, 0o640)
    with pytest.raises(SitesError, match="readable by others"):
        load_key(key)


def test_commands_usage_errors_exit_5_without_the_password(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    key = tmp_path / "sites.key"
    assert main(["worker", "--init-key", "--key-file", str(key)]) == 0 and key.exists()
    monkeypatch.setenv("FTL_TUI_BROKER", f"redis://:{PW}@192.0.2.7:6379/0")
    assert main(["worker", "--site", "east", "--key-file", str(key)]) == 5
    assert main(["workers"]) == 5
    assert main(["worker", "--site", "bad site!", "--key-file", str(key)]) == 5
    err = capsys.readouterr().err
    assert "plain TCP to a non-loopback address" in err and "--site: expected a site name" in err
    assert PW not in err


async def test_unusable_sites_fail_their_hosts_never_run_them_here(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Sites configured but no broker: strict owners (run, daemon) refuse to start; a console
    (strict=False) fails the site hosts with the reason and runs the others."""
    from ftltui.engine.executor import Executor
    from ftltui.inventory import load_inventory
    from ftltui.sites.placement import site_placements

    monkeypatch.delenv("FTL_TUI_BROKER", raising=False)
    monkeypatch.setenv("ANSIBLE_CONFIG", str(tmp_path / "none.cfg"))
    marker = tmp_path / "ran"
    inv = tmp_path / "inv.yml"
    inv.write_text("all:\n  vars:\n    ansible_connection: local\n  hosts:\n    s1:\n      ftl_site: east\n"
                   "    l1: {}\n")
    inventory = load_inventory([str(inv)])
    with pytest.raises(SitesError, match="no broker"):
        site_placements(inventory)
    ex = Executor(inventory, placements=site_placements(inventory, strict=False))
    try:
        res = await ex.run("all", "shell", {"cmd": f"echo {{{{ inventory_hostname }}}} >> {marker}"})
    finally:
        await ex.close()
    assert res.results["s1"].status == "unreachable" and res.results["s1"].msg.startswith("site east: not run: no broker")
    assert res.results["l1"].status == "changed" and marker.read_text().split() == ["l1"]
    plain = load_inventory([str(tmp_path / "p.yml")]) if (tmp_path / "p.yml").write_text(
        "all:\n  hosts:\n    x: {}\n") else None
    assert site_placements(plain) == []  # no host has a site: nothing, and no broker needed


def test_workers_table_shows_heartbeat_text_without_escapes() -> None:
    """Heartbeats are unsealed JSON on the broker: a forged one cannot drive the terminal."""
    from types import SimpleNamespace

    from ftltui.commands.workers import format_table

    forged = SimpleNamespace(site="e\x1b]0;pwned\x07ast", hostname="h\x1b[31mx", pid=1, heartbeat_age=1.0,
                             shards=["s\x1b[2J"])
    table = format_table([forged])
    assert "\x1b" not in table and "\x07" not in table
    assert table.splitlines()[1].split()[:2] == ["east", "hx"]


def test_site_sections_are_read_by_the_one_config_reader(tmp_path: Path) -> None:
    """[ftl_sites]/[ftl_site_groups] go through ftltui.config's reader (Ansible's dialect): a key
    set twice is an error naming file:line, ``#`` after a value is not a comment (as in Ansible),
    a bad pickup_timeout names its line. The sections' own parser said neither."""
    from ftltui.engine.shards.auto import configured_workers

    cfg = tmp_path / "ansible.cfg"
    cfg.write_text("[ftl_site_groups]\nweb = east\nweb = west\n")
    with pytest.raises(SitesError, match=r"ansible\.cfg:3: 'web' is set twice in \[ftl_site_groups\]"):
        load_site_settings(tmp_path, {"ANSIBLE_CONFIG": str(cfg)})
    cfg.write_text("[ftl_site_groups]\nweb = east # not a comment in ansible.cfg\n")
    with pytest.raises(SitesError, match=r"web = 'east # not a comment in ansible.cfg': expected a site name"):
        load_site_settings(tmp_path, {"ANSIBLE_CONFIG": str(cfg)})
    cfg.write_text("[ftl_sites]\nkey_file = 'k'   ; quoted, as Ansible unquotes\n\npickup_timeout = soon\n")
    with pytest.raises(SitesError, match=r"ansible\.cfg:4: \[ftl_sites\] pickup_timeout: expected seconds"):
        load_site_settings(tmp_path, {"ANSIBLE_CONFIG": str(cfg)})
    cfg.write_text("[ftl_sites]\nkey_file = 'k'\n\n[ftl_tui]\nWorkers = 3\n")
    assert load_site_settings(tmp_path, {"ANSIBLE_CONFIG": str(cfg)}).key_file == str(tmp_path / "k")
    assert configured_workers({"ANSIBLE_CONFIG": str(cfg)}, tmp_path) == 3
