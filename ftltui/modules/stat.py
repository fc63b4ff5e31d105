"""stat: facts about a path, with Ansible's ``stat`` keys (never changes anything)."""

from __future__ import annotations

import grp
import os
import pwd
import stat as st_mod
TYPE_CHECKING = False  # typing costs ~6 ms at every gate start: annotations only
if TYPE_CHECKING:
    from typing import Any, Dict

from ftltui.modules import _files
from ftltui.modules.base import Arg, ModuleContext, ModuleFail, ModuleSpec

SPEC = ModuleSpec(
    name="stat",
    summary="Retrieve file or file system status",
    args={
        "path": Arg(type="path", required=True, aliases=("dest", "name")),
        "follow": Arg(type="bool", default=False),
        "get_checksum": Arg(type="bool", default=True),
        "checksum_algorithm": Arg(
            type="str", default="sha1", aliases=("checksum", "checksum_algo"),
            choices=("md5", "sha1", "sha224", "sha256", "sha384", "sha512"),
        ),
        "get_mime": Arg(type="bool", default=True, aliases=("mime", "mime_type", "mime-type")),
        "get_attributes": Arg(type="bool", default=True, aliases=("attr", "attributes")),
    },
)

_TYPES = (
    ("isdir", st_mod.S_ISDIR), ("ischr", st_mod.S_ISCHR), ("isblk", st_mod.S_ISBLK),
    ("isreg", st_mod.S_ISREG), ("isfifo", st_mod.S_ISFIFO), ("islnk", st_mod.S_ISLNK),
    ("issock", st_mod.S_ISSOCK),
)
_BITS = (
    ("wusr", st_mod.S_IWUSR), ("rusr", st_mod.S_IRUSR), ("xusr", st_mod.S_IXUSR),
    ("wgrp", st_mod.S_IWGRP), ("rgrp", st_mod.S_IRGRP), ("xgrp", st_mod.S_IXGRP),
    ("woth", st_mod.S_IWOTH), ("roth", st_mod.S_IROTH), ("xoth", st_mod.S_IXOTH),
    ("isuid", st_mod.S_ISUID), ("isgid", st_mod.S_ISGID),
)


def describe(path: str, st: os.stat_result) -> Dict[str, Any]:
    """The ``stat`` dict Ansible returns for an existing path."""
    mode = st.st_mode
    out: Dict[str, Any] = {"exists": True, "path": path, "mode": "%04o" % st_mod.S_IMODE(mode)}
    for key, test in _TYPES:
        out[key] = bool(test(mode))
    out.update(
        uid=st.st_uid, gid=st.st_gid, size=st.st_size, inode=st.st_ino, dev=st.st_dev,
        nlink=st.st_nlink, atime=st.st_atime, mtime=st.st_mtime, ctime=st.st_ctime,
    )
    for key, bit in _BITS:
        out[key] = bool(mode & bit)
    try:
        out["pw_name"] = pwd.getpwuid(st.st_uid).pw_name
    except KeyError:
        pass
    try:
        out["gr_name"] = grp.getgrgid(st.st_gid).gr_name
    except KeyError:
        pass
    out["readable"] = os.access(path, os.R_OK)
    out["writeable"] = os.access(path, os.W_OK)
    out["executable"] = os.access(path, os.X_OK)
    return out


def run(params: Dict[str, Any], ctx: ModuleContext) -> Dict[str, Any]:
    path = params["path"]
    try:
        st = os.stat(path) if params["follow"] else os.lstat(path)
    except FileNotFoundError:
        return {"changed": False, "stat": {"exists": False}}
    except OSError as exc:
        raise ModuleFail("Permission denied" if exc.errno == 13 else str(exc)) from None
    out = describe(path, st)
    if out["islnk"]:
        out["lnk_source"] = os.path.realpath(path)
        out["lnk_target"] = os.readlink(path)
    if out["isreg"] and params["get_checksum"] and out["readable"]:
        out["checksum"] = _files.checksum(path, params["checksum_algorithm"])
    if params["get_mime"]:
        out.update(_mime(path, out))
    return {"changed": False, "stat": out}


def _mime(path: str, info: Dict[str, Any]) -> Dict[str, Any]:
    """A best-effort mimetype without the ``file`` binary (stdlib only)."""
    if info["isdir"]:
        return {"mimetype": "inode/directory", "charset": "binary"}
    if info["islnk"]:
        return {"mimetype": "inode/symlink", "charset": "binary"}
    if not info["isreg"] or not info["readable"]:
        return {"mimetype": "unknown", "charset": "unknown"}
    if info["size"] == 0:
        return {"mimetype": "inode/x-empty", "charset": "binary"}
    import mimetypes

    with open(path, "rb") as f:
        head = f.read(4096)
    guessed = mimetypes.guess_type(path)[0]
    if b"\0" in head:
        return {"mimetype": guessed or "application/octet-stream", "charset": "binary"}
    try:
        head.decode("ascii")
        charset = "us-ascii"
    except UnicodeDecodeError:
        charset = "utf-8"
    return {"mimetype": guessed or "text/plain", "charset": charset}
