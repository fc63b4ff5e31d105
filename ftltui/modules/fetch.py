"""fetch (host side): describe the file the controller is about to pull.

The transfer itself is the controller's job (``Runner.get_file``); this side checks
the file exists, is a file and reports its sha1 so the controller can validate the
copy, with Ansible's ``fetch`` argument names and messages.
"""

from __future__ import annotations

import os
TYPE_CHECKING = False  # typing costs ~6 ms at every gate start: annotations only
if TYPE_CHECKING:
    from typing import Any, Dict

from ftltui.modules import _files
from ftltui.modules.base import Arg, ModuleContext, ModuleFail, ModuleSpec

SPEC = ModuleSpec(
    name="fetch",
    summary="Fetch a file from the host to the controller",
    args={
        "src": Arg(type="str", required=True, help="file on the host"),
        "dest": Arg(type="str", required=True, help="directory (or file with flat=yes) on the controller"),
        "flat": Arg(type="bool", default=False),
        "fail_on_missing": Arg(type="bool", default=True),
        "validate_checksum": Arg(type="bool", default=True),
    },
)


def run(params: Dict[str, Any], ctx: ModuleContext) -> Dict[str, Any]:
    src = params["src"]
    base = {"changed": False, "remote_path": src, "file": src}
    if not os.path.exists(src):
        msg = "the remote file does not exist, not transferring, ignored"
        if params["fail_on_missing"]:
            raise ModuleFail("the remote file does not exist, not transferring", exists=False, **base)
        return dict(base, exists=False, msg=msg, checksum=None, size=None)
    if os.path.isdir(src):
        raise ModuleFail("remote file is a directory, fetch cannot work on directories", **base)
    if not os.access(src, os.R_OK):
        raise ModuleFail("file is not readable: %s" % src, **base)
    return dict(base, exists=True, checksum=_files.checksum(src), size=os.path.getsize(src))
