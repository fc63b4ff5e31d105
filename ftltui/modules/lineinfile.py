"""lineinfile: make sure one line is in a file (or is not), as Ansible's ``lineinfile``.

The line is found by ``regexp``, ``search_string`` or exact text; the last match wins
unless ``firstmatch``. A new line goes after/before the last (first) line matching
``insertafter``/``insertbefore`` (``EOF``/``BOF`` allowed), else at the end.
"""

from __future__ import annotations

import os
import re
TYPE_CHECKING = False  # typing costs ~6 ms at every gate start: annotations only
if TYPE_CHECKING:
    from typing import Any, Dict, List, Optional, Tuple

from ftltui.modules import _files
from ftltui.modules.base import Arg, ModuleContext, ModuleFail, ModuleSpec

SPEC = ModuleSpec(
    name="lineinfile",
    summary="Ensure a particular line is in a file, or replace a line matched by a regexp",
    args=dict(
        {
            "path": Arg(type="path", required=True, aliases=("dest", "destfile", "name")),
            "state": Arg(type="str", default="present", choices=("absent", "present")),
            "regexp": Arg(type="str", aliases=("regex",)),
            "search_string": Arg(type="str"),
            "line": Arg(type="str", aliases=("value",)),
            "insertafter": Arg(type="str"),
            "insertbefore": Arg(type="str"),
            "backrefs": Arg(type="bool", default=False),
            "create": Arg(type="bool", default=False),
            "backup": Arg(type="bool", default=False),
            "firstmatch": Arg(type="bool", default=False),
        },
        **_files.ATTR_ARGS,
    ),
    mutually_exclusive=(("insertbefore", "insertafter"), ("regexp", "search_string"), ("backrefs", "search_string")),
)

NL = "\n"


def _strip(s: str) -> str:
    return s.rstrip("\r\n")


def _find(lines: List[str], params: Dict[str, Any]) -> Tuple[int, Optional["re.Match[str]"], bool, int]:
    """(matched index, regexp match, matched exactly, insertion anchor index)."""
    regexp, needle, first = params.get("regexp"), params.get("search_string"), params["firstmatch"]
    line = params["line"]
    idx, match, exact, anchor = -1, None, False, -1
    if regexp is not None or needle is not None:
        pattern = re.compile(regexp) if regexp is not None else None
        for i, cur in enumerate(lines):
            m = pattern.search(cur) if pattern is not None else None
            if m is not None or (pattern is None and str(needle) in cur):
                idx, match = i, m
                if first:
                    break
        if idx != -1:
            return idx, match, False, anchor
    after, before = params.get("insertafter"), params.get("insertbefore")
    ins_text = after if after not in (None, "BOF", "EOF") else (before if before not in (None, "BOF") else None)
    ins = re.compile(ins_text) if ins_text is not None else None
    for i, cur in enumerate(lines):
        if _strip(cur) == line:
            idx, exact = i, True
        elif ins is not None and ins.search(cur):
            anchor = i + 1 if after else i
            if first:
                break
    return idx, match, exact, anchor


def edit_present(lines: List[str], params: Dict[str, Any]) -> Tuple[List[str], str]:
    """Return the new lines and Ansible's message ('' when nothing changes)."""
    line = params["line"]
    after, before = params.get("insertafter"), params.get("insertbefore")
    lines = list(lines)
    idx, match, _exact, anchor = _find(lines, params)
    if idx != -1:
        new = match.expand(line) if params["backrefs"] and match is not None else line
        new = new if new.endswith(NL) else new + NL
        if lines[idx] == new:
            return lines, ""
        lines[idx] = new
        return lines, "line replaced"
    if params["backrefs"]:
        return lines, ""  # not safe to build the line without the backrefs
    if "BOF" in (after, before):
        lines.insert(0, line + NL)
    elif after == "EOF" or anchor == -1:
        if lines and not lines[-1].endswith(("\n", "\r")):
            lines.append(NL)
        lines.append(line + NL)
    elif after:
        if anchor == len(lines):
            if _strip(lines[anchor - 1]) == line:
                return lines, ""
            lines.append(line + NL)
        elif _strip(lines[anchor]) == line:
            return lines, ""
        else:
            lines.insert(anchor, line + NL)
    else:
        lines.insert(anchor, line + NL)
    return lines, "line added"


def edit_absent(lines: List[str], params: Dict[str, Any]) -> Tuple[List[str], int]:
    regexp, needle, line = params.get("regexp"), params.get("search_string"), params.get("line")
    pattern = re.compile(regexp) if regexp is not None else None

    def hit(cur: str) -> bool:
        if pattern is not None:
            return bool(pattern.search(cur))
        if needle is not None:
            return needle in cur
        return _strip(cur) == line

    kept = [c for c in lines if not hit(c)]
    return kept, len(lines) - len(kept)


def _check_args(params: Dict[str, Any], ctx: ModuleContext) -> None:
    if params["state"] == "present":
        if params["backrefs"] and params.get("regexp") is None:
            raise ModuleFail("regexp is required with backrefs=true")
        if params.get("line") is None:
            raise ModuleFail("line is required with state=present")
    elif params.get("regexp") is None and params.get("search_string") is None and params.get("line") is None:
        raise ModuleFail("one of line, search_string, or regexp is required with state=absent")
    if params.get("regexp") == "":
        ctx.warn("The regular expression is an empty string, which will match every line in the file.")


def run(params: Dict[str, Any], ctx: ModuleContext) -> Dict[str, Any]:
    _check_args(params, ctx)
    path = params["path"]
    if os.path.isdir(path):
        raise ModuleFail("Path %s is a directory !" % path, rc=256)
    exists = os.path.exists(path)
    if not exists:
        if params["state"] == "absent":
            return {"changed": False, "msg": "file not present", "backup": ""}
        if not params["create"]:
            raise ModuleFail("Destination %s does not exist !" % path, rc=257)
    lines: List[str] = []
    if exists:
        with open(path, "r", encoding="utf-8", errors="surrogateescape", newline="") as f:
            lines = f.readlines()
    if params["state"] == "present":
        new_lines, msg = edit_present(lines, params)
    else:
        new_lines, removed = edit_absent(lines, params)
        msg = "%s line(s) removed" % removed if removed else ""
    changed = new_lines != lines
    result: Dict[str, Any] = {"changed": changed, "msg": msg, "backup": ""}
    if ctx.diff:
        result["diff"] = {"before": "".join(lines), "after": "".join(new_lines),
                          "before_header": "%s (content)" % path, "after_header": "%s (content)" % path}
    if changed and not ctx.check:
        parent = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(parent):
            os.makedirs(parent)
        if params["backup"] and exists:
            result["backup"] = result["backup_file"] = _files.backup(path)
        _files.atomic_write(path, "".join(new_lines).encode("utf-8", errors="surrogateescape"))
    if os.path.exists(path) and _files.apply_attrs(path, params, ctx.check):
        result["changed"] = True
        result["msg"] = (msg + " and " if msg else "") + "ownership, perms or SE linux context changed"
    return result
