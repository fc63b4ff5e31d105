"""Inventory: Ansible YAML/INI/directory loading, variable precedence, host patterns."""

from ftltui.inventory.inventory import Inventory
from ftltui.inventory.loader import load_inventory
from ftltui.inventory.model import Group, Host
from ftltui.inventory.patterns import Selection

__all__ = ["Group", "Host", "Inventory", "Selection", "load_inventory"]
