"""One protected-group check for every face (issue 16): :meth:`Guard.check_targets`.

The console's session, the attached session and the CLI all call it; the hosts a write
would touch are asked for only when protected groups are in force and nobody confirmed
(a playbook is loaded for them), and read-only refuses before that.
"""

from __future__ import annotations

from collections.abc import Iterable

import pytest

from ftltui.console.guard import Guard, ProtectedConfirmationRequired, ReadOnlyRefusal
from ftltui.inventory import Inventory, load_inventory


@pytest.fixture(scope="module")
def inventory() -> Inventory:
    return load_inventory(["db1,db2,web1,"])


class Hosts:
    """``hosts()`` that counts its calls."""

    def __init__(self, *names: str) -> None:
        self.names = names
        self.calls = 0

    def __call__(self) -> Iterable[str]:
        self.calls += 1
        return self.names


def test_hosts_are_asked_for_only_when_it_matters(inventory: Inventory) -> None:
    hosts = Hosts("db1")
    Guard().check_targets("play", inventory, hosts)  # no protected group
    Guard(protected_groups=["db1"]).check_targets("play", inventory, hosts, confirmed=True)
    assert hosts.calls == 0
    Guard(protected_groups=["web1"]).check_targets("play", inventory, hosts)  # asked, untouched
    assert hosts.calls == 1


def test_protected_hosts_need_confirmation(inventory: Inventory) -> None:
    with pytest.raises(ProtectedConfirmationRequired) as exc:
        Guard(protected_groups=["db1", "db2"]).check_targets("play", inventory, Hosts("db1", "db2", "web1"),
                                                              how="add --yes")
    assert str(exc.value) == "This run touches 2 hosts in protected groups db1, db2; add --yes"
    assert exc.value.touch.hosts == ("db1", "db2")


def test_read_only_refuses_before_the_hosts_are_loaded(inventory: Inventory) -> None:
    hosts = Hosts("db1")
    with pytest.raises(ReadOnlyRefusal):
        Guard(readonly=True, protected_groups=["db1"]).check_targets("play", inventory, hosts)
    assert hosts.calls == 0
