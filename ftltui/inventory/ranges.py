"""Host names with ranges and ports, as Ansible reads them.

``web[01:20].example.com`` (zero padded), ``db-[a:c]`` (letters), ``n[1:10:2]`` (a step),
several ranges in one name, and a ``:port`` suffix (``host:2222``, ``[::1]:2222``).
Ansible validates the name loosely (anything it cannot classify is taken verbatim) and
only fails when a range itself is malformed, so we do the same.
"""

from __future__ import annotations

import re
import string

_NUM_RANGE = r"\[(?:[0-9]+:[0-9]+)(?::[0-9]+)?\]"
_HEX_RANGE = r"\[(?:[0-9a-f]+:[0-9a-f]+)(?::[0-9]+)?\]"
_ALNUM_RANGE = r"\[(?:[a-z]:[a-z]|[0-9]+:[0-9]+)(?::[0-9]+)?\]"
_IPV4_PART = rf"(?:[01]?[0-9]{{1,2}}|2[0-4][0-9]|25[0-5]|{_NUM_RANGE})"
_IPV6_PART = rf"(?:[0-9a-f]{{1,4}}|{_HEX_RANGE})"
_LABEL = rf"(?:[\w]|{_ALNUM_RANGE})(?:[\w_-]|{_ALNUM_RANGE})*(?<![_-])"

_BRACKETED_HOSTPORT = re.compile(r"^\[(.+)\]:([0-9]+)$")
_HOSTPORT = re.compile(r"^((?:[^:\[\]]|\[[^\]]*\])*):([0-9]+)$")
_IPV4 = re.compile(rf"^(?:{_IPV4_PART}\.){{3}}{_IPV4_PART}$", re.I)
_P = _IPV6_PART
_IPV6 = re.compile(
    "^(?:"
    + "|".join(
        [
            rf"(?:{_P}:){{7}}{_P}",
            rf"(?:{_P}:){{1,6}}:",
            rf"(?:{_P}:)(?::{_P}){{1,6}}",
            rf"(?:{_P}:){{2}}(?::{_P}){{1,5}}",
            rf"(?:{_P}:){{3}}(?::{_P}){{1,4}}",
            rf"(?:{_P}:){{4}}(?::{_P}){{1,3}}",
            rf"(?:{_P}:){{5}}(?::{_P}){{1,2}}",
            rf"(?:{_P}:){{6}}(?::{_P})",
            rf":(?::{_P}){{1,6}}",
            rf"{_P}?::",
            rf"(?:0:){{6}}(?:{_P}\.){{3}}{_P}",
            rf"::(?:ffff:)?(?:{_P}\.){{3}}{_P}",
            rf"(?:0:){{5}}ffff:(?:{_P}\.){{3}}{_P}",
        ]
    )
    + ")$",
    re.I,
)
_HOSTNAME = re.compile(rf"^{_LABEL}(?:\.{_LABEL})*$", re.I | re.UNICODE)


class RangeError(ValueError):
    """A ``[begin:end:step]`` expression that cannot be expanded."""


def parse_address(address: str) -> tuple[str, int | None]:
    """Split ``host[:port]``; raise ValueError if it is not a host identifier.

    Ranges are allowed inside the host part. IPv6 addresses need brackets to carry a port.
    """
    port: int | None = None
    for pat in (_BRACKETED_HOSTPORT, _HOSTPORT):
        m = pat.match(address)
        if m:
            address, port = m.group(1), int(m.group(2))
    for pat in (_IPV4, _IPV6, _HOSTNAME):
        if pat.match(address):
            return address, port
    raise ValueError(f"not a valid network hostname: {address}")


def split_host_port(pattern: str) -> tuple[str, int | None]:
    """Like Ansible: a recognisable ``host:port`` is split, anything else is kept verbatim."""
    try:
        return parse_address(pattern)
    except ValueError:
        return pattern, None


def expand(name: str) -> list[str]:
    """Expand every ``[a:b(:step)]`` in ``name``, leftmost first; no brackets -> ``[name]``."""
    if "[" not in name:
        return [name]
    head, sep, rest = name.partition("[")
    inner, sep2, tail = rest.partition("]")
    if not sep2:
        raise RangeError(f"unclosed '[' in host range '{name}'; expected [begin:end] or [begin:end:step]")
    bounds = inner.split(":")
    if len(bounds) not in (2, 3):
        raise RangeError(f"host range '[{inner}]' must be begin:end or begin:end:step")
    beg, end = bounds[0] or "0", bounds[1]
    step_s = bounds[2] if len(bounds) == 3 else "1"
    if not end:
        raise RangeError(f"host range '[{inner}]' must specify an end value")
    try:
        step = int(step_s)
    except ValueError:
        raise RangeError(f"host range step '{step_s}' must be an integer") from None
    if step <= 0:
        raise RangeError(f"host range step in '[{inner}]' must be a positive integer")
    width = 0
    if beg[0] == "0" and len(beg) > 1:
        width = len(beg)
        if width != len(end):
            raise RangeError(f"host range '[{inner}]' must use equal-length begin and end (zero padding)")
    seq: list[str]
    if beg in string.ascii_letters and end in string.ascii_letters and len(beg) == len(end) == 1:
        i, j = string.ascii_letters.index(beg), string.ascii_letters.index(end)
        if i > j:
            raise RangeError(f"host range '[{inner}]' must have begin <= end")
        seq = list(string.ascii_letters[i : j + 1 : step])
    else:
        try:
            nums = range(int(beg), int(end) + 1, step)
        except ValueError:
            raise RangeError(
                f"host range '[{inner}]' must be numeric (01:20) or single letters (a:c)"
            ) from None
        seq = [str(n).zfill(width) if width else str(n) for n in nums]
    out: list[str] = []
    for part in seq:
        out.extend(expand(f"{head}{part}{tail}"))
    return out


def expand_host_pattern(pattern: str) -> tuple[list[str], int | None]:
    """Host names and the optional port that a YAML/INI host entry stands for."""
    host, port = split_host_port(pattern)
    return expand(host), port
