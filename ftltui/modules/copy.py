"""copy: put a file (from ``content`` or a ``src`` path) at ``dest``.

Idempotent by sha1 checksum, as Ansible's: an identical file is not rewritten, only
its mode/owner/group are fixed. Writes are atomic; ``backup`` keeps the old file under
Ansible's backup name. ``src`` is read on the controller, as in Ansible: the controller
uploads it and the module sees the uploaded copy; with ``remote_src`` it is a path on the
managed host instead.
"""

from __future__ import annotations

import os
import shlex
import stat
TYPE_CHECKING = False  # typing costs ~6 ms at every gate start: annotations only
if TYPE_CHECKING:
    from typing import Any, Dict, List, Optional

from ftltui.modules import _files
from ftltui.modules._process import run_process
from ftltui.modules.base import Arg, ModuleContext, ModuleFail, ModuleSpec

SPEC = ModuleSpec(
    name="copy",
    summary="Copy content or a file to a path on the host (checksum-idempotent)",
    args=dict(
        {
            "content": Arg(type="str", help="text to write instead of a src file"),
            "src": Arg(type="path", help="source file or directory, read on the controller (remote_src: on the host)"),
            "dest": Arg(type="path", required=True, help="where to write"),
            "backup": Arg(type="bool", default=False, help="keep the old file under a timestamped name"),
            "force": Arg(type="bool", default=True, help="replace a file whose content differs"),
            "remote_src": Arg(type="bool", default=False, help="src already lives on the host"),
            "follow": Arg(type="bool", default=False),
            "local_follow": Arg(type="bool", default=True),
            "directory_mode": Arg(type="raw", help="mode for directories created by a recursive copy"),
            "validate": Arg(type="str", help="command run on the temp file ('%s') before it replaces dest"),
            "checksum": Arg(type="str", help="expected sha1 of src"),
        },
        **_files.ATTR_ARGS,
    ),
    mutually_exclusive=(("content", "src"),),
    required_one_of=(("content", "src"),),
)


def _validate(cmd: str, data: bytes, dest: str, ctx: ModuleContext) -> None:
    """Run the ``validate`` command on a temp copy of the new content."""
    if "%s" not in cmd:
        raise ModuleFail("validate must contain %%s: %s" % cmd)
    import tempfile

    fd, tmp = tempfile.mkstemp(prefix=".ftltui.validate.", dir=os.path.dirname(os.path.abspath(dest)))
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        res = run_process(shlex.split(cmd.replace("%s", shlex.quote(tmp))), ctx)
    finally:
        os.unlink(tmp)
    if res.rc != 0:
        raise ModuleFail("failed to validate", exit_status=res.rc, stdout=res.stdout, stderr=res.stderr,
                         stdout_lines=res.stdout.splitlines(), stderr_lines=res.stderr.splitlines())


class _FileBytes:
    """A source file's bytes, read only when something needs them (a diff, ``validate``,
    a copy across filesystems): a verified upload that is renamed into place is never read."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.size = os.path.getsize(path)
        self._data = None  # type: Optional[bytes]

    def __call__(self) -> bytes:
        if self._data is None:
            with open(self.path, "rb") as f:
                self._data = f.read()
        return self._data


def _diff(dest: str, load: Any, existed: bool, label: str) -> Optional[Dict[str, Any]]:
    """The content diff as ansible-playbook labels it: ``before: DEST`` only for a file that
    exists, ``after: LABEL`` (``dest`` for ``content``, the source path for ``src``). None
    for binary text, or a side over the diff limit (1 MiB, as ``before`` always had)."""
    if getattr(load, "size", 0) > _files.DIFF_LIMIT:
        return None
    before, ok = _files.read_text_for_diff(dest) if existed else ("", True)
    if not ok:
        return None
    data = load()
    if b"\0" in data:
        return None
    try:
        after = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    diff = {"before": before, "after": after, "after_header": label}
    if existed:
        diff["before_header"] = dest
    return diff


def _attrs_diff(path: str, params: Dict[str, Any]) -> Optional[Dict[str, Any]]:
    """Owner, group and mode that would change on a file whose content is already right, as
    Ansible's file step reports them (numeric ids, ``0644`` modes); None if nothing would."""
    st = os.stat(path)
    before = {"path": path}  # type: Dict[str, Any]
    after = {"path": path}  # type: Dict[str, Any]
    for key, resolve, current in (("owner", _files.resolve_uid, st.st_uid), ("group", _files.resolve_gid, st.st_gid)):
        if params.get(key):
            wanted = resolve(params[key])
            if wanted != current:
                before[key], after[key] = current, wanted
    if params.get("mode") is not None and not os.path.islink(path):
        mode = stat.S_IMODE(st.st_mode)
        wanted = _files.resolve_mode(params["mode"], mode, stat.S_ISDIR(st.st_mode))
        if wanted != mode:
            before["mode"], after["mode"] = "0%03o" % mode, "0%03o" % wanted
    return {"before": before, "after": after} if len(before) > 1 else None


def _is_upload(src: str, ctx: ModuleContext) -> bool:
    """True for a file the controller uploaded into this gate's private temp directory
    for this request: nobody else uses it, so ``copy`` may move it into place."""
    tmpdir = ctx.tmpdir
    if not tmpdir:
        return False
    return os.path.dirname(os.path.abspath(src)) == os.path.abspath(tmpdir) \
        and os.path.isfile(src) and not os.path.islink(src)


def _same_file(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def put_bytes(dest: str, data: Any, params: Dict[str, Any], ctx: ModuleContext, label: str,
              move_from: Optional[str] = None, new_sum: Optional[str] = None,
              new_md5: Optional[str] = None, same_file: bool = False) -> Dict[str, Any]:
    """Make ``dest`` hold ``data`` with the requested attributes; the copy result.

    ``move_from``: a file holding exactly ``data`` that may be renamed onto ``dest``
    instead of writing the bytes again (an upload: 20 MB written once, not twice).
    ``data``: bytes, or a :class:`_FileBytes` read only if needed. ``new_sum``: the SHA-1
    of ``data`` when already known (the gate hashed the upload as it arrived). ``md5sum``
    (Ansible's result key) comes from the controller when it sent its source's digests
    (``_ftl_source_sums``) and these are the same bytes, else ``new_md5`` when known.
    ``same_file``: ``data`` is ``dest`` itself (a copy of a host file onto itself, as the
    controller's unchanged-file step runs it): its checksum is ``new_sum``, not read again."""
    load = data if callable(data) else (lambda: data)
    parent = os.path.dirname(os.path.abspath(dest))
    if not os.path.isdir(parent):
        if ctx.check:  # as Ansible's copy action: a file that differs is "changed" in check mode, unchecked
            out = {"changed": True, "dest": dest}  # type: Dict[str, Any]
            diff = _diff(dest, load, False, label) if ctx.diff else None
            if diff is not None:
                out["diff"] = diff
            return out
        # Ansible's copy action adds the source's checksum to a failed module's result
        raise ModuleFail("Destination directory %s does not exist" % parent,
                         checksum=new_sum if new_sum is not None else _files.checksum_bytes(load()))
    existed = os.path.lexists(dest)
    if existed and os.path.isdir(dest):
        raise ModuleFail("can not use content with a dir as dest" if params.get("content") is not None
                         else "dest %s is a directory" % dest)
    if new_sum is None:
        new_sum = _files.checksum_bytes(load())
    result: Dict[str, Any] = {"changed": False, "dest": dest, "checksum": new_sum}
    if existed and not params["force"]:
        result["msg"] = "file already exists"
        result.update(_files.path_info(dest))
        return result
    if same_file and existed and os.path.isfile(dest):
        old_sum = new_sum  # type: Optional[str]
    else:
        old_sum = _files.checksum(dest) if existed and os.path.isfile(dest) else None
    if old_sum != new_sum or os.path.islink(dest):
        result["changed"] = True
        diff = _diff(dest, load, existed, label) if ctx.diff else None
        if diff is not None:
            result["diff"] = diff
        if not ctx.check:
            if params.get("validate"):
                try:
                    _validate(params["validate"], load(), dest, ctx)
                except ModuleFail as exc:  # the copy action's checksum, as above
                    exc.result.setdefault("checksum", new_sum)
                    raise
            if params["backup"] and existed and os.path.isfile(dest):
                result["backup_file"] = _files.backup(dest)
            if move_from is None or not _files.atomic_move(move_from, dest):
                _files.atomic_write(dest, load())
    if os.path.lexists(dest):
        if ctx.diff and not result["changed"] and os.path.exists(dest):
            attrs = _attrs_diff(dest, params)
            if attrs is not None:
                result["diff"] = attrs
        if _files.apply_attrs(dest, params, ctx.check):
            result["changed"] = True
        result.update(_files.path_info(dest, follow=True))
        result["path"] = dest
    sums = params.get("_ftl_source_sums")  # the controller's [sha1, md5] of its source file
    if isinstance(sums, (list, tuple)) and len(sums) == 2 and sums[0] == new_sum:
        result["md5sum"] = sums[1]  # these bytes are that file's: its md5, hashed once for all hosts
    elif new_md5 is not None:
        result["md5sum"] = new_md5
    else:
        result["md5sum"] = _files.checksum_bytes(load(), "md5")
    return result


def _copy_tree(src: str, dest: str, params: Dict[str, Any], ctx: ModuleContext) -> Dict[str, Any]:
    """Recursive copy with rsync-like slash rules: ``dir`` copies the dir, ``dir/`` its contents."""
    if not src.endswith("/"):
        dest = os.path.join(dest, os.path.basename(src.rstrip("/")))
    changed = False
    made: List[str] = []
    dir_params = dict(params, mode=params.get("directory_mode"))
    for root, dirs, files in os.walk(src):
        rel = os.path.relpath(root, src)
        target_dir = os.path.normpath(os.path.join(dest, rel))
        if not os.path.isdir(target_dir):
            changed = True
            made.append(target_dir)
            if not ctx.check:
                os.makedirs(target_dir)
        if os.path.isdir(target_dir) and _files.apply_attrs(target_dir, dir_params, ctx.check):
            changed = True
        for name in sorted(files):
            target = os.path.join(target_dir, name)
            if ctx.check and not os.path.isdir(target_dir):
                continue
            with open(os.path.join(root, name), "rb") as f:
                data = f.read()
            if put_bytes(target, data, params, ctx, os.path.join(root, name))["changed"]:
                changed = True
    return {"changed": changed, "dest": dest.rstrip("/") + "/", "src": src}


def run(params: Dict[str, Any], ctx: ModuleContext) -> Dict[str, Any]:
    dest = params["dest"]
    if params.get("content") is not None:
        if params.get("mode") == "preserve":
            raise ModuleFail("mode=preserve needs src, not content")
        if os.path.isdir(dest) or dest.endswith("/"):
            raise ModuleFail("can not use content with a dir as dest")
        return put_bytes(dest, params["content"].encode("utf-8"), params, ctx, dest)
    src = params["src"]
    if params.get("_ftl_if_same"):
        return _if_same(src, params, ctx)
    if not os.path.exists(src):
        raise ModuleFail("Source %s not found" % src)
    if params.get("mode") == "preserve":
        params = dict(params, mode="%04o" % (os.stat(src).st_mode & 0o7777))
    if os.path.isdir(src):
        return _copy_tree(src, dest, params, ctx)
    if dest.endswith("/") or os.path.isdir(dest):
        if dest.endswith("/") and not os.path.isdir(dest) and not ctx.check:
            os.makedirs(dest)
        dest = os.path.join(dest, os.path.basename(src))
    upload = _is_upload(src, ctx)
    known = _files.upload_checksum(src) if upload else None  # hashed by the gate as it arrived
    data = _FileBytes(src)
    sums = params.get("_ftl_source_sums")
    new_md5 = None  # type: Optional[str]
    if known:
        new_sum = known
    elif isinstance(sums, (list, tuple)) and len(sums) == 2:
        new_sum = _files.checksum(src)  # the md5 comes with the controller's sums if they match
    else:  # a host file (remote_src): read once, for both digests and any write
        new_sum, new_md5 = _files.checksum_bytes(data()), _files.checksum_bytes(data(), "md5")
    if params.get("checksum") and params["checksum"] != new_sum:
        raise ModuleFail("Copied file does not match the expected checksum. Transfer failed.",
                         checksum=new_sum, expected_checksum=params["checksum"])
    result = put_bytes(dest, data, params, ctx, src, move_from=src if upload else None, new_sum=new_sum,
                       new_md5=new_md5, same_file=_same_file(src, dest))
    if upload and not os.path.exists(src):
        _files.forget_upload(src)
    result["src"] = src
    return result


def _if_same(target: str, params: Dict[str, Any], ctx: ModuleContext) -> Dict[str, Any]:
    """The controller's unchanged-file step of a tree copy, in one call and one read: when
    ``target`` (``src`` and ``dest``) already holds the controller's file (``_ftl_source_sums``), the
    copy result (mode/owner fixed); else ``{"_ftl_differs": True}`` and nothing touched,
    so the controller uploads. ``force=no`` leaves an existing file alone unread."""
    if os.path.lexists(target) and not params.get("force", True):
        return {"changed": False, "dest": target}
    if os.path.islink(target) or not os.path.isfile(target):
        return {"changed": False, "_ftl_differs": True}
    sums = params.get("_ftl_source_sums") or ["", ""]
    new_sum = _files.checksum(target)
    if new_sum != sums[0]:
        return {"changed": False, "_ftl_differs": True}
    clean = {k: v for k, v in params.items() if k != "_ftl_if_same"}
    result = put_bytes(target, _FileBytes(target), clean, ctx, target, new_sum=new_sum, same_file=True)
    result["src"] = target
    return result
