"""Read a module bundle's zip on the host without :mod:`zipfile`.

Stdlib only, Python >= 3.8 (travels in the gate zip). Why: the gate runs with ``-S`` and
imports almost nothing; ``import zipfile`` (with its shutil, bz2, lzma, ...) cost ~18 ms
of host CPU at the first bundle a gate installs, about a tenth of a host's whole first
Ansible-module call. Bundles are zips ftl-tui writes itself (``ftltui/ansible_modules/bundle.py``:
deflated or stored members, no zip64, no encryption, no comment), and those few fields are
all this reads. Anything else (another writer's zip, a damaged file) raises
:class:`NotSimple`, and the caller reads it with :mod:`zipfile` as before, which then
explains what is wrong with it.
"""

from __future__ import annotations

import struct
import zlib

TYPE_CHECKING = False  # typing costs ~6 ms at every gate start: annotations only
if TYPE_CHECKING:
    from typing import Dict, List, Tuple

_END = struct.Struct("<4s4H2LH")  # end of central directory record (22 bytes)
_CENTRAL = struct.Struct("<4s6H3L5H2L")  # central directory file header (46 bytes)
_LOCAL = struct.Struct("<4s5H3L2H")  # local file header (30 bytes)
_UTF8 = 0x800  # general purpose flag: the name is UTF-8 (else cp437)


class NotSimple(ValueError):
    """Not a zip this reader handles: read it with :mod:`zipfile` instead."""


def _entries(data: bytes) -> List[Tuple[str, int, int, int, int, int]]:
    """(name, method, crc, compressed size, size, local header offset) of every member."""
    if len(data) < _END.size:
        raise NotSimple("too short for a zip")
    sig, disk, cd_disk, n_here, n, cd_size, cd_off, comment = _END.unpack_from(data, len(data) - _END.size)
    if sig != b"PK\x05\x06" or comment or disk or cd_disk or n_here != n or n == 0xFFFF \
            or cd_off == 0xFFFFFFFF or cd_off + cd_size > len(data):
        raise NotSimple("zip with a comment, zip64 or several disks")
    out = []
    pos = cd_off
    for _ in range(n):
        if pos + _CENTRAL.size > len(data):
            raise NotSimple("central directory runs past the end")
        f = _CENTRAL.unpack_from(data, pos)
        if f[0] != b"PK\x01\x02":
            raise NotSimple("bad central directory entry")
        flags, method, crc, csize, size, nlen, elen, clen, offset = f[3], f[4], f[7], f[8], f[9], f[10], f[11], \
            f[12], f[16]
        if flags & 1 or method not in (0, 8) or 0xFFFFFFFF in (csize, size, offset):
            raise NotSimple("encrypted, zip64 or unusual compression")
        raw = data[pos + _CENTRAL.size:pos + _CENTRAL.size + nlen]
        out.append((raw.decode("utf-8" if flags & _UTF8 else "cp437"), method, crc, csize, size, offset))
        pos += _CENTRAL.size + nlen + elen + clen
    return out


def _read(path: str) -> bytes:
    with open(path, "rb") as f:
        return f.read()


def sizes(path: str) -> Dict[str, int]:
    """Member name -> uncompressed size, from the central directory only."""
    return {e[0]: e[4] for e in _entries(_read(path))}


def members(path: str, skip: str = "") -> Tuple[List[str], Dict[str, bytes]]:
    """Every member's name, and the content of those whose name does not end with ``skip``
    (when given), CRC-checked as ``zipfile.ZipFile.read`` checks it."""
    data = _read(path)
    names = []
    out = {}
    for name, method, crc, csize, size, offset in _entries(data):
        names.append(name)
        if skip and name.endswith(skip):
            continue
        if offset + _LOCAL.size > len(data):
            raise NotSimple("local header past the end")
        local = _LOCAL.unpack_from(data, offset)
        if local[0] != b"PK\x03\x04":
            raise NotSimple("bad local header")
        start = offset + _LOCAL.size + local[9] + local[10]
        raw = data[start:start + csize]
        content = zlib.decompress(raw, -15) if method == 8 else raw
        if len(content) != size or zlib.crc32(content) & 0xFFFFFFFF != crc:
            raise NotSimple("member %r does not match its size or CRC" % name)
        out[name] = content
    return names, out


def read_members(path: str, skip: str = "") -> Tuple[List[str], Dict[str, bytes]]:
    """:func:`members`, or :mod:`zipfile`'s reading for a zip it does not handle."""
    try:
        return members(path, skip)
    except (NotSimple, zlib.error, UnicodeDecodeError, struct.error):
        import zipfile

        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
            return names, {name: zf.read(name) for name in names if not (skip and name.endswith(skip))}


def read_sizes(path: str) -> Dict[str, int]:
    """:func:`sizes`, or :mod:`zipfile`'s listing for a zip it does not handle."""
    try:
        return sizes(path)
    except (NotSimple, UnicodeDecodeError, struct.error):
        import zipfile

        with zipfile.ZipFile(path) as zf:
            return {info.filename: info.file_size for info in zf.infolist()}
