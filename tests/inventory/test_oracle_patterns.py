"""Host patterns: ``Inventory.select`` against ansible-core's ``list_hosts`` (names AND order)."""

from __future__ import annotations

import pytest

from ftltui.cli import main
from ftltui.errors import PatternError
from ftltui.inventory import load_inventory
from inventory_testlib import ansible_cli_list_hosts, ansible_list_hosts_batch, write_tree

pytestmark = pytest.mark.ansible

# Designed so Ansible's own order is deterministic: at most one group per level has
# grandchildren (Ansible walks deeper levels through a set).
INVENTORY = {
    "hosts.yml": """
        all:
          hosts:
            solo1:
          children:
            web:
              hosts:
                web[01:05].ex:
            db:
              hosts:
                db-[a:c].ex:
            prod:
              children:
                web:
                db:
              hosts:
                lb1.ex:
                web03.ex:
            staging:
              hosts:
                stg1.ex:
                stg2.ex:
                10.0.0.5:
            dc1:
              children:
                rack1:
                  hosts:
                    r1h1:
                    r1h2:
                rack2:
                  hosts:
                    r2h1:
                    web02.ex:
            empty:
    """,
}

PATTERNS = [
    "all",
    "*",
    "web",
    "web*",
    "*.ex",
    r"~web0[1-3]\.ex",
    "~(db|stg)",
    "~^r",
    "web:db",
    "web,db",
    "db:web",
    "prod:&web",
    "prod:!web",
    "!web",
    "&prod",
    "!db:web:&prod",
    "web[0]",
    "web[1:3]",
    "web[-1]",
    "web[2:]",
    "web[1:0]",
    "db[0]:web[-1]",
    "web[0],db[0]",
    "prod:&db:!db-b.ex",
    "lb1.ex",
    "10.0.0.5",
    "nosuch",
    "nosuch:web",
    "localhost",
    "localhost:web",
    "dc1",
    "rack*",
    "*:!dc1",
    "all:!ungrouped",
    "ungrouped",
    "stg?.ex",
    "r?h*",
    "WEB",
    "empty",
    "empty:solo1",
    "web[10]",
    " web , db ",
]


@pytest.fixture(scope="module")
def pattern_inv(tmp_path_factory):
    root = write_tree(tmp_path_factory.mktemp("pat"), INVENTORY)
    return root / "hosts.yml"


def _ours(path, pattern):
    inv = load_inventory(path)
    try:
        return [h.name for h in inv.select(pattern)]
    except PatternError:
        return "ERROR"


def test_patterns_match_ansible(pattern_inv, ansible_env):
    expected = ansible_list_hosts_batch([pattern_inv], PATTERNS, ansible_env)
    ours = [_ours(pattern_inv, p) for p in PATTERNS]
    mismatches = [(p, o, e) for p, o, e in zip(PATTERNS, ours, expected) if o != e]
    assert not mismatches, "\n".join(f"{p!r}: ours={o} ansible={e}" for p, o, e in mismatches)
    assert len([e for e in expected if e and e != "ERROR"]) > 25  # the cases really select hosts


@pytest.mark.parametrize("pattern", ["prod:!web:db[0]", "web[1:3]:&prod"])
def test_batch_helper_agrees_with_ansible_cli(pattern, pattern_inv, ansible_env, capsys):
    """The real ``ansible P --list-hosts`` and our ``--list-hosts`` print the same lines."""
    expected = ansible_cli_list_hosts([pattern_inv], pattern, ansible_env)
    assert expected == ansible_list_hosts_batch([pattern_inv], [pattern], ansible_env)[0]
    capsys.readouterr()
    assert main(["inventory", "--list-hosts", pattern, "-i", str(pattern_inv)]) == 0
    assert capsys.readouterr().out.splitlines() == expected


def test_unmatched_names_are_reported(pattern_inv, capsys):
    inv = load_inventory(pattern_inv)
    assert [h.name for h in inv.select("nosuch:db[0]:alsonot")] == ["db-a.ex"]
    assert inv.last_unmatched == ["nosuch", "alsonot"]
    assert inv.select("empty") == [] and inv.last_unmatched == []  # a real, empty group is no mismatch
    capsys.readouterr()
    assert main(["inventory", "--list-hosts", "nosuch", "--json", "-i", str(pattern_inv)]) == 0
    out = capsys.readouterr()
    assert out.out.strip() == "[]"
    assert "nosuch" in out.err


def test_implicit_localhost(pattern_inv):
    import sys

    inv = load_inventory(pattern_inv)
    (lh,) = inv.select("localhost")
    assert lh.connection == "local" and lh.python == sys.executable
    assert "localhost" not in inv.hosts
    assert "localhost" not in [h.name for h in inv.select("all")]
    assert inv.host("localhost") is lh


@pytest.mark.parametrize("bad", ["", "   ", "~web[", "web[0", "web[7]", "!"])
def test_malformed_patterns_raise(pattern_inv, bad):
    inv = load_inventory(pattern_inv)
    with pytest.raises(PatternError):
        inv.select(bad)


def test_bad_pattern_exits_4(pattern_inv, capsys):
    assert main(["inventory", "--list-hosts", "~web[", "-i", str(pattern_inv)]) == 4
    err = capsys.readouterr().err
    assert "Traceback" not in err and "web[" in err


INI_INVENTORY = {
    "hosts": """
        127.0.0.1
        top
        [web]
        web[1:4]
        [db]
        db[a:b] 
        web2
        [prod:children]
        web
        db
        [prod]
        lb
    """,
}

INI_PATTERNS = ["localhost", "::1", "all", "prod", "prod[0]", "prod[-1]", "db:web", "!prod", "web[1:]:&db", "~web[24]", "ungrouped", "*"]


def test_ini_patterns_match_ansible(tmp_path, ansible_env):
    root = write_tree(tmp_path / "inv", INI_INVENTORY)
    expected = ansible_list_hosts_batch([root / "hosts"], INI_PATTERNS, ansible_env)
    ours = [_ours(root / "hosts", p) for p in INI_PATTERNS]
    assert dict(zip(INI_PATTERNS, ours)) == dict(zip(INI_PATTERNS, expected))
