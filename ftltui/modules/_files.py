"""File helpers shared by copy, file, lineinfile, stat, slurp and fetch.

Modes (octal or symbolic like ``u+rwx,g-w``), owner/group through pwd/grp, atomic
writes (temp file in the same directory, then ``os.replace``) and Ansible-style backup
names. Stdlib only, Python 3.8 compatible.
"""

from __future__ import annotations

import grp
import os
import pwd
import re
import stat
import time
TYPE_CHECKING = False  # typing costs ~6 ms at every gate start: annotations only
if TYPE_CHECKING:
    from typing import Any, Dict, Optional, Tuple

from ftltui.modules.base import Arg, ModuleFail

# Arguments every file-writing module takes, with Ansible's names.
ATTR_ARGS: Dict[str, Arg] = {
    "mode": Arg(type="raw", help="octal ('0644') or symbolic ('u=rw,g=r,o=r') permissions"),
    "owner": Arg(type="str", help="user name or uid that should own the file"),
    "group": Arg(type="str", help="group name or gid that should own the file"),
}

# compiled on first use (re.compile at import cost every gate that runs a file module)
_CLAUSE = r"^([ugoa]*)((?:[-+=][rwxXstugo]*)+)$"
_ACTION = r"([-+=])([rwxXstugo]*)"
_CLASS_MASK = {"u": stat.S_IRWXU | stat.S_ISUID, "g": stat.S_IRWXG | stat.S_ISGID, "o": stat.S_IRWXO | stat.S_ISVTX}


def checksum(path: str, algorithm: str = "sha1") -> str:
    """Hex digest of a file, read in chunks (Ansible uses sha1 for idempotence)."""
    import hashlib  # lazily: most gate requests never hash (~3 ms import)

    h = hashlib.new(algorithm)
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 16), b""):
            h.update(chunk)
    return h.hexdigest()


# uploads whose SHA-1 the gate computed while receiving them: path -> (sha1, identity).
# ``copy`` trusts it instead of reading and hashing the file again (issue 17: hash once).
_UPLOADS = {}  # type: Dict[str, Tuple[str, Tuple[int, int, int]]]


def _identity(path: str) -> Tuple[int, int, int]:
    st = os.stat(path)
    return st.st_ino, st.st_size, st.st_mtime_ns


def note_upload(path: str, sha1: str) -> None:
    """The gate received ``path`` and hashed every byte of it: remember the digest."""
    if len(_UPLOADS) >= 1024:  # a long-lived gate: uploads nobody copied (their dir is gone)
        _UPLOADS.clear()
    try:
        _UPLOADS[path] = (sha1, _identity(path))
    except OSError:
        pass


def upload_checksum(path: str) -> Optional[str]:
    """The SHA-1 the gate computed for an upload it still holds unchanged, else None."""
    known = _UPLOADS.get(path)
    if known is None:
        return None
    try:
        same = _identity(path) == known[1]
    except OSError:
        same = False
    if not same:
        _UPLOADS.pop(path, None)
        return None
    return known[0]


def forget_upload(path: str) -> None:
    _UPLOADS.pop(path, None)


def checksum_bytes(data: bytes, algorithm: str = "sha1") -> str:
    import hashlib

    return hashlib.new(algorithm, data).hexdigest()


def current_umask() -> int:
    """The process umask, read without changing it when /proc allows (thread-safe)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except OSError:
        pass
    old = os.umask(0o022)
    os.umask(old)
    return old


def _symbolic_bits(cls: str, perms: str, current: int, is_dir: bool) -> int:
    """The bits that ``perms`` means for one class (u, g or o)."""
    shift = {"u": 6, "g": 3, "o": 0}[cls]
    bits = 0
    for p in perms:
        if p == "r":
            bits |= 4 << shift
        elif p == "w":
            bits |= 2 << shift
        elif p == "x":
            bits |= 1 << shift
        elif p == "X":
            if is_dir or current & 0o111:
                bits |= 1 << shift
        elif p == "s":
            bits |= {"u": stat.S_ISUID, "g": stat.S_ISGID, "o": 0}[cls]
        elif p == "t":
            bits |= stat.S_ISVTX if cls == "o" else 0
        else:  # copy another class's current permissions: u=g
            src_shift = {"u": 6, "g": 3, "o": 0}[p]
            bits |= ((current >> src_shift) & 7) << shift
    return bits


def symbolic_to_octal(mode: str, current: int, is_dir: bool) -> int:
    """Apply a symbolic mode (``u+rwx,go-w``, ``a=r``) to ``current``; ValueError if bad."""
    new = current & 0o7777
    for clause in mode.split(","):
        m = re.match(_CLAUSE, clause.strip())
        if not m:
            raise ValueError("bad symbolic permission for mode: %s" % mode)
        who = m.group(1) or "a"
        classes = "ugo" if "a" in who else who
        for op, perms in re.findall(_ACTION, m.group(2)):
            for cls in classes:
                bits = _symbolic_bits(cls, perms, new, is_dir)
                if op == "+":
                    new |= bits
                elif op == "-":
                    new &= ~bits
                else:
                    new = (new & ~_CLASS_MASK[cls]) | bits
    return new


def resolve_mode(mode: Any, current: int, is_dir: bool) -> int:
    """Turn Ansible's ``mode`` value (int, octal string, symbolic) into permission bits."""
    if isinstance(mode, int) and not isinstance(mode, bool):
        return mode
    text = str(mode).strip()
    if re.match(r"^[0-7]{1,5}$", text):
        return int(text, 8)
    try:
        return symbolic_to_octal(text, current, is_dir)
    except ValueError as exc:
        raise ModuleFail("mode must be in octal or symbolic form: %s" % exc) from None


def resolve_uid(owner: str) -> int:
    try:
        return pwd.getpwnam(owner).pw_uid
    except KeyError:
        if owner.isdigit():
            return int(owner)
        raise ModuleFail("chown failed: failed to look up user %s" % owner) from None


def resolve_gid(group: str) -> int:
    try:
        return grp.getgrnam(group).gr_gid
    except KeyError:
        if group.isdigit():
            return int(group)
        raise ModuleFail("chgrp failed: failed to look up group %s" % group) from None


def user_name(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


def group_name(gid: int) -> str:
    try:
        return grp.getgrgid(gid).gr_name
    except KeyError:
        return str(gid)


def apply_attrs(path: str, params: Dict[str, Any], check: bool, follow: bool = True,
                diff: dict[str, Any] | None = None) -> bool:
    """Make ``path``'s mode/owner/group match ``params``; True if something (would) change.
    ``diff`` (``{"before": {...}, "after": {...}}``) gets what changes, as Ansible's
    ``set_fs_attributes_if_different`` records it: uid/gid numbers, modes as ``0NNN``."""
    st = os.stat(path) if follow else os.lstat(path)
    is_link = stat.S_ISLNK(st.st_mode)
    changed = False
    uid = resolve_uid(params["owner"]) if params.get("owner") else -1
    gid = resolve_gid(params["group"]) if params.get("group") else -1
    if (uid != -1 and uid != st.st_uid) or (gid != -1 and gid != st.st_gid):
        changed = True
        if not check:
            (os.chown if follow else os.lchown)(path, uid, gid)
        if diff is not None:
            for key, want, had in (("owner", uid, st.st_uid), ("group", gid, st.st_gid)):
                if want != -1 and want != had:
                    diff["before"][key], diff["after"][key] = had, want
    if params.get("mode") is not None and not is_link:
        want = resolve_mode(params["mode"], stat.S_IMODE(st.st_mode), stat.S_ISDIR(st.st_mode))
        if want != stat.S_IMODE(st.st_mode):
            changed = True
            if not check:
                os.chmod(path, want)
            if diff is not None:
                diff["before"]["mode"], diff["after"]["mode"] = f"0{stat.S_IMODE(st.st_mode):03o}", f"0{want:03o}"
    return changed


def path_info(path: str, follow: bool = False) -> Dict[str, Any]:
    """Ansible's ``add_path_info``: state, uid/gid/owner/group, mode, size of a path."""
    info: Dict[str, Any] = {"path": path}
    try:
        st = os.stat(path) if follow else os.lstat(path)
    except OSError:
        info["state"] = "absent"
        return info
    if stat.S_ISLNK(st.st_mode):
        info["state"] = "link"
        info["src"] = os.readlink(path)
    elif stat.S_ISDIR(st.st_mode):
        info["state"] = "directory"
    elif st.st_nlink > 1:
        info["state"] = "hard"
    else:
        info["state"] = "file"
    info.update(
        uid=st.st_uid, gid=st.st_gid, owner=user_name(st.st_uid), group=group_name(st.st_gid),
        mode="%04o" % stat.S_IMODE(st.st_mode), size=st.st_size,
    )
    return info


def backup_name(path: str) -> str:
    """Ansible's backup naming: ``<path>.<pid>.<YYYY-mm-dd@HH:MM:SS>~``."""
    return "%s.%s.%s" % (path, os.getpid(), time.strftime("%Y-%m-%d@%H:%M:%S~", time.localtime()))


def backup(path: str) -> str:
    dest = backup_name(path)
    import shutil  # lazily: shutil pulls in bz2/lzma at import

    shutil.copy2(path, dest)
    return dest


def _take_attrs_of(dest: str, new: str) -> None:
    """Before ``new`` replaces ``dest``: an existing file's mode and owner carry over
    (as Ansible's atomic_move); a new one gets ``0666 & ~umask``."""
    try:
        st = os.stat(dest)
    except FileNotFoundError:
        os.chmod(new, 0o666 & ~current_umask())
    else:
        os.chmod(new, stat.S_IMODE(st.st_mode))
        try:
            os.chown(new, st.st_uid, st.st_gid)
        except PermissionError:
            pass


def atomic_write(dest: str, data: bytes) -> None:
    """Write ``data`` to ``dest`` so readers see the old or the new file, never half.

    An existing file keeps its mode and owner (as Ansible's atomic_move); a new one
    gets ``0666 & ~umask``.
    """
    directory = os.path.dirname(os.path.abspath(dest))
    import tempfile

    fd, tmp = tempfile.mkstemp(prefix=".ftltui.", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        _take_attrs_of(dest, tmp)
        os.replace(tmp, dest)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def atomic_move(src: str, dest: str) -> bool:
    """Move ``src`` (a file this process owns, e.g. an upload) onto ``dest`` atomically,
    with the same mode/owner rules as ``atomic_write``; False when they are on different
    filesystems (the caller writes instead). Saves writing the bytes a second time.

    No ``fsync`` before the rename: Ansible's own ``atomic_move`` (module_utils/basic.py)
    renames its upload into place without one (and the upload itself, written by sftp-server
    or scp, is not synced either), so this is the same durability: readers see the old or the
    new file, and after a power cut the filesystem's ordering (ext4's ``auto_da_alloc`` for a
    rename over a file) decides, as for Ansible. The fsync cost 20-24 ms of I/O per 20 MB."""
    _take_attrs_of(dest, src)
    try:
        os.replace(src, dest)
    except OSError as exc:
        import errno

        if exc.errno == errno.EXDEV:
            return False
        raise
    return True


DIFF_LIMIT = 1 << 20  # bytes: a bigger file is not shown in a diff


def read_text_for_diff(path: str, limit: int = DIFF_LIMIT) -> Tuple[Optional[str], bool]:
    """File text for a diff, or (None, False) when it is binary or too large."""
    try:
        if os.path.getsize(path) > limit:
            return None, False
        with open(path, "rb") as f:
            raw = f.read()
    except OSError:
        return "", True
    if b"\0" in raw:
        return None, False
    try:
        return raw.decode("utf-8"), True
    except UnicodeDecodeError:
        return None, False
