"""``omit``: the value that makes the caller drop an argument.

Ansible's ``omit`` is a placeholder string (``__omit_place_holder__`` and a random
suffix), so it survives being passed through filters like ``default(omit)``; a module
argument whose rendered value is exactly it is left out. Compare with ``value == OMIT``.
"""

from __future__ import annotations

import secrets


class _Omit(str):
    __slots__ = ()


OMIT = _Omit("__omit_place_holder__" + secrets.token_hex(20))
