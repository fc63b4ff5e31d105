"""``omit``: the value that makes the caller drop an argument.

As in ansible-core 2.19, ``omit`` is a singleton of its own type (``_OmitType``, not a
string: ``omit is string`` is false), so ``x | default(omit)`` hands the very object
back and the caller tests ``value is OMIT``. Joined into text it reads ``<<Omit>>``.
"""

from __future__ import annotations


class _OmitType:
    __slots__ = ()

    def __str__(self) -> str:
        return "<<Omit>>"

    __repr__ = __str__

    def __reduce__(self) -> str:  # copy/pickle keep the singleton
        return "OMIT"


OMIT = _OmitType()
