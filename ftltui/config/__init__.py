"""Ansible's configuration (ansible.cfg + ANSIBLE_* environment), read without ansible-core."""

from ftltui.config.loader import (
    ConfigError,
    find_config_file,
    load_config,
    read_section,
)
from ftltui.config.model import AnsibleConfig
from ftltui.config.settings import SETTINGS, Setting

__all__ = ["SETTINGS", "AnsibleConfig", "ConfigError", "Setting", "find_config_file", "load_config", "read_section"]
