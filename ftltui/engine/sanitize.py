"""Make untrusted (remote) text safe to put on a terminal.

A remote host must never move the cursor, retitle the window, write the clipboard
(OSC 52) or hide text. Escape sequences are removed; other control characters are
shown as ``\\xNN``; tabs survive.
"""

from __future__ import annotations

import re

# CSI ... final, OSC ... BEL/ST, DCS/SOS/PM/APC ... ST, and lone two-byte escapes.
_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"
    r"|\x1b[PX^_][^\x1b]*(?:\x1b\\)?"
    r"|\x1b[@-Z\\-_]"
    r"|\x9b[0-?]*[ -/]*[@-~]"
)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\x80-\x9f]")


def safe_text(text: str, max_len: int | None = None) -> str:
    text = _ESCAPES.sub("", text)
    text = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
    if max_len is not None and len(text) > max_len:
        text = text[:max_len] + f"... [truncated {len(text) - max_len} chars]"
    return text
