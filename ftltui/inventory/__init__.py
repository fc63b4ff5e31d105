"""Inventory: Ansible YAML/INI/directory loading, variable precedence, host patterns."""

from ftltui.inventory.model import Group, Host

__all__ = ["Group", "Host"]
