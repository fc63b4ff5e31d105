"""Installed Ansible modules, found and described without importing Ansible.

``finder`` resolves a name as Ansible does (short names, ``ansible.builtin``/``ansible.legacy``,
collection FQCNs, ``meta/runtime.yml`` routing); ``docs`` turns a module's DOCUMENTATION
(or its ``argument_spec``) into option records and a :class:`ftltui.modules.base.ModuleSpec`;
``catalog`` lists every module available. Module files are read as text, never imported.
"""
