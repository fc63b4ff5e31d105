"""The remote gate: one long-lived Python process per host connection.

Stdlib only, Python >= 3.8: this package (plus ``ftltui/modules``) is zipped by
:mod:`ftltui.gate.build` on the controller, sent over the SSH channel on first use,
cached under ``~/.cache/ftl-tui/gate-<hash>.pyz`` and run by a tiny ``python3 -c``
bootstrap. The wire protocol is in :mod:`ftltui.gate.frames` and docs/gate-protocol.md.
"""

PROTO_VERSION = 1
