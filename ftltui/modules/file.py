"""file: make a path be a file, directory, symlink or hard link, or be absent.

Same states, argument names and changed/failed rules as Ansible's ``file``: ``touch``
reports a change every time (it updates the timestamps), ``file`` never creates, a
``directory`` is created with its parents, ``absent`` removes trees.
"""

from __future__ import annotations

import os
import time
TYPE_CHECKING = False  # typing costs ~6 ms at every gate start: annotations only
if TYPE_CHECKING:
    from typing import Any, Dict, Optional

from ftltui.modules import _files
from ftltui.modules.base import Arg, ModuleContext, ModuleFail, ModuleSpec

SPEC = ModuleSpec(
    name="file",
    summary="Manage files, directories, links and their attributes",
    args=dict(
        {
            "path": Arg(type="path", required=True, aliases=("dest", "name")),
            "state": Arg(type="str", choices=("absent", "directory", "file", "hard", "link", "touch")),
            "src": Arg(type="path", help="link target for state=link/hard"),
            "recurse": Arg(type="bool", default=False, help="apply attributes to a directory's contents"),
            "force": Arg(type="bool", default=False, help="replace a file/empty dir with a link"),
            "follow": Arg(type="bool", default=True),
        },
        **_files.ATTR_ARGS,
    ),
)


def get_state(path: str) -> str:
    """Ansible's view of a path: absent, link, directory, hard (nlink > 1) or file."""
    if not os.path.lexists(path):
        return "absent"
    if os.path.islink(path):
        return "link"
    if os.path.isdir(path):
        return "directory"
    return "hard" if os.stat(path).st_nlink > 1 else "file"


def _diff(path: str, prev: str, state: str) -> Dict[str, Any]:
    """Ansible's ``initial_diff``: the path, and the state only when it changes."""
    diff: dict[str, Any] = {"before": {"path": path}, "after": {"path": path}}
    if prev != state:
        diff["before"]["state"], diff["after"]["state"] = prev, state
    return diff


def _result(path: str, changed: bool, diff: Dict[str, Any], ctx: ModuleContext, **extra: Any) -> Dict[str, Any]:
    result: Dict[str, Any] = dict(extra)
    result["changed"] = changed
    if ctx.diff:
        result["diff"] = diff
    if os.path.lexists(path):
        result.update(_files.path_info(path))
    else:
        result.update(path=path, state="absent")
    return result


def _absent(path: str, prev: str, ctx: ModuleContext) -> Dict[str, Any]:
    if prev == "absent":
        return {"path": path, "changed": False, "state": "absent"}
    if not ctx.check:
        if prev == "directory":
            import shutil  # lazily: only absent on a tree needs it

            shutil.rmtree(path)
        else:
            os.unlink(path)
    result: Dict[str, Any] = {"path": path, "changed": True, "state": "absent"}
    if ctx.diff:
        result["diff"] = _diff(path, prev, "absent")
    return result


def _file(path: str, prev: str, params: Dict[str, Any], ctx: ModuleContext) -> Dict[str, Any]:
    if prev == "link" and params["follow"]:
        path = os.path.realpath(path)
        prev = get_state(path)
    if prev not in ("file", "hard"):
        raise ModuleFail("file (%s) is %s, cannot continue" % (path, prev), path=path, state=prev)
    diff = _diff(path, prev, "file")
    changed = _files.apply_attrs(path, params, ctx.check, diff=diff)
    return _result(path, changed, diff, ctx)


def _touch(path: str, prev: str, params: Dict[str, Any], ctx: ModuleContext) -> Dict[str, Any]:
    """Ansible's ``execute_touch``: a missing file in check mode is a change with nothing
    more to say (no diff); otherwise the diff has the state, the attributes that change
    and the times before and after (now), and the result the path's info under ``dest``."""
    if prev == "absent":
        if ctx.check:
            return {"dest": path, "changed": True}
        open(path, "ab").close()
    diff = _diff(path, prev, "touch")
    follow = params["follow"] or prev != "link"
    try:
        _files.apply_attrs(path, params, ctx.check, follow=follow, diff=diff)
    except ModuleFail:
        if prev == "absent":
            os.unlink(path)
        raise
    st = os.stat(path) if follow else os.lstat(path)
    now = time.time()
    if not ctx.check:
        os.utime(path, (now, now), follow_symlinks=params["follow"])
    for key, had in (("mtime", st.st_mtime), ("atime", st.st_atime)):
        if had != now:
            diff["before"][key], diff["after"][key] = had, now
    result: dict[str, Any] = {"dest": path, "changed": True}
    if ctx.diff:
        result["diff"] = diff
    info = _files.path_info(path)
    del info["path"]  # Ansible's add_path_info reads dest: the result has no "path"
    result.update(info)
    return result


def _directory(path: str, prev: str, params: Dict[str, Any], ctx: ModuleContext) -> Dict[str, Any]:
    if prev == "link" and params["follow"]:
        path = os.path.realpath(path)
        prev = get_state(path)
    diff = _diff(path, prev, "directory")
    if prev == "absent":
        if ctx.check:
            return {"path": path, "changed": True, "diff": diff}
        # create each missing parent and give it the requested attributes, as Ansible does
        missing = []
        cur = os.path.abspath(path)
        while not os.path.exists(cur):
            missing.append(cur)
            cur = os.path.dirname(cur)
        for d in reversed(missing):
            try:
                os.mkdir(d)
            except FileExistsError:
                # another task (e.g. a second local host) made it meanwhile: fine if it is a directory
                if not os.path.isdir(d):
                    raise ModuleFail("%s already exists and is not a directory" % d, path=path) from None
                continue
            except OSError as exc:
                raise ModuleFail("There was an issue creating %s as requested: %s" % (d, exc), path=path) from None
            _files.apply_attrs(d, params, False)
        changed = True
    elif prev != "directory":
        raise ModuleFail("%s already exists as a %s" % (path, prev), path=path)
    else:
        changed = _files.apply_attrs(path, params, ctx.check, diff=diff)
    if params["recurse"]:
        for root, dirs, files in os.walk(path):
            for name in dirs + files:
                p = os.path.join(root, name)
                if os.path.islink(p) and not os.path.exists(p):
                    continue
                changed |= _files.apply_attrs(p, params, ctx.check, follow=not os.path.islink(p))
    return _result(path, changed, diff, ctx)


def _symlink(path: str, prev: str, src: Optional[str], params: Dict[str, Any], ctx: ModuleContext) -> Dict[str, Any]:
    force = params["force"]
    base = path if (prev == "directory") else os.path.dirname(path)
    if src is not None and not force and not os.path.exists(os.path.join(base, src)):
        raise ModuleFail("src file does not exist, use 'force=yes' if you really want to create the link: %s"
                         % os.path.join(base, src), path=path, src=src)
    if prev == "directory":
        if not force:
            raise ModuleFail("refusing to convert from directory to symlink for %s" % path, path=path)
        if os.listdir(path):
            raise ModuleFail("the directory %s is not empty, refusing to convert it" % path, path=path)
    elif prev in ("file", "hard") and not force:
        raise ModuleFail("refusing to convert from %s to symlink for %s" % (prev, path), path=path)
    diff = _diff(path, prev, "link")
    changed = False
    if prev != "link":
        if src is None:
            raise ModuleFail("src is required for creating new symlinks")
        changed = True
    elif src is not None and os.readlink(path) != src:
        diff["before"]["src"], diff["after"]["src"] = os.readlink(path), src
        changed = True
    if changed and not ctx.check:
        tmp = os.path.join(os.path.dirname(path), ".%s.%s.tmp" % (os.getpid(), time.time()))
        if prev == "directory":
            os.rmdir(path)
        assert src is not None  # a new link without src was refused above; an existing one keeps its target
        os.symlink(src, tmp)
        os.replace(tmp, path)
    if os.path.lexists(path) and (os.path.exists(path) or not params["follow"]):
        changed |= _files.apply_attrs(path, params, ctx.check, follow=params["follow"])
    return _result(path, changed, diff, ctx, dest=path, src=src)


def _hardlink(path: str, prev: str, src: Optional[str], params: Dict[str, Any], ctx: ModuleContext) -> Dict[str, Any]:
    if src is None:
        if prev != "hard":
            raise ModuleFail("src is required for creating new hardlinks")
    elif not os.path.exists(src):
        raise ModuleFail("src does not exist", dest=path, src=src)
    diff = _diff(path, prev, "hard")
    same = src is not None and prev != "absent" and not os.path.islink(path) \
        and os.stat(path).st_ino == os.stat(src).st_ino and os.stat(path).st_dev == os.stat(src).st_dev
    changed = src is not None and not same
    if changed and prev in ("file", "hard", "directory") and not params["force"]:
        raise ModuleFail("Cannot link, %s exists at destination" % prev, dest=path, src=src)
    if changed and not ctx.check:
        tmp = os.path.join(os.path.dirname(path), ".%s.%s.tmp" % (os.getpid(), time.time()))
        if prev == "directory":
            os.rmdir(path)
        os.link(src, tmp)  # type: ignore[arg-type]
        os.replace(tmp, path)
    if os.path.lexists(path):
        changed |= _files.apply_attrs(path, params, ctx.check)
    return _result(path, changed, diff, ctx, dest=path, src=src)


def run(params: Dict[str, Any], ctx: ModuleContext) -> Dict[str, Any]:
    path = params["path"]
    prev = get_state(path)
    state = params["state"]
    if state is None:
        state = prev if prev != "absent" else ("directory" if params["recurse"] else "file")
    if params["recurse"] and state != "directory":
        raise ModuleFail("recurse option requires state to be 'directory'", path=path)
    if state == "absent":
        return _absent(path, prev, ctx)
    if state == "file":
        return _file(path, prev, params, ctx)
    if state == "touch":
        return _touch(path, prev, params, ctx)
    if state == "directory":
        return _directory(path, prev, params, ctx)
    if state == "link":
        return _symlink(path, prev, params.get("src"), params, ctx)
    return _hardlink(path, prev, params.get("src"), params, ctx)
