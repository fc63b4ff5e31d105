"""Installed Ansible modules, found and described without importing Ansible.

``finder`` resolves a name as Ansible does (short names, ``ansible.builtin``/``ansible.legacy``,
collection FQCNs, ``meta/runtime.yml`` routing) on top of ``locations`` (where ansible-core,
the collections and the library directories are) and ``module_files`` (which file, what
kind); ``docs`` (with ``docfrag`` and ``argspec``) turns a module's DOCUMENTATION and
``argument_spec`` into option records and a :class:`ftltui.modules.base.ModuleSpec`;
``catalog`` lists every module available. Module files are read as text, never imported.
"""
