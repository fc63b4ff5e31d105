"""The playbook template engine: Jinja2 in a sandbox with Ansible's filters, tests,
lookups, lazy variables and native values (``render.Templar``).

Written from Ansible's documentation for ftl-tui; nothing here imports ansible.
"""

from ftltui.playbook.jinja.lazyvars import UnsafeText, unsafe
from ftltui.playbook.jinja.omit import OMIT
from ftltui.playbook.jinja.render import Templar, is_template

__all__ = ["OMIT", "Templar", "UnsafeText", "is_template", "unsafe"]
