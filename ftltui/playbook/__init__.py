"""Ansible playbooks and roles, run on ftl-tui's engine.

``model`` is what a playbook is once loaded (``loader`` builds it, with file and line
for every part); ``events`` is what a run reports (``runner`` emits them, the text and
JSON outputs and the console read them). Templating lives in ``ftltui.templating``.
"""
