"""Random junk never escapes as anything but InventoryError."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ftltui.errors import InventoryError
from ftltui.inventory import Inventory, load_inventory

# Fragments that steer random text towards almost-valid inventories.
YAML_BITS = st.sampled_from(
    ["all:", "hosts:", "children:", "vars:", "  ", "    ", "\n", "- ", ": ", "web[01:0", "[a:c]", "{", "}", "[", "]",
     "'", '"', "!unsafe ", "!vault ", "&a ", "*a", "? ", "ansible_group_priority: ", "null", "1", "x", "#", ",", "---\n",
     "\t", "%", "@", "web[1:3:0]", "db-[a:Z]", ":2222", "\x00", "\ufeff"]
)
INI_BITS = st.sampled_from(
    ["[web]", "[web:children]", "[web:vars]", "[all:vars]", "[x:bad]", "[", "]", "\n", " ", "=", "a=1", "b='x", "web[1:3]",
     "h:22", ":", "#", ";", "'", '"', "[1,2]", "{'a':", "host", "web", "---", "\\", "db-[a:c]", "[g h]", "0x1F"]
)


def _check(text: str, name: str) -> None:
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / name
        p.write_text(text, encoding="utf-8", errors="surrogatepass")
        try:
            inv = load_inventory(p)
        except InventoryError as exc:
            assert exc.location is not None and exc.location.file.startswith(d)
            return
        assert isinstance(inv, Inventory)
        inv.to_ansible_list()
        inv.graph()


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(YAML_BITS, st.text(max_size=4)), max_size=40).map("".join), st.sampled_from(["inv.yml", "inv"]))
def test_random_yaml_loads_or_raises_inventory_error(text, name):
    _check(text, name)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(INI_BITS, st.text(max_size=4)), max_size=40).map("".join), st.sampled_from(["inv.ini", "inv"]))
def test_random_ini_loads_or_raises_inventory_error(text, name):
    _check(text, name)
