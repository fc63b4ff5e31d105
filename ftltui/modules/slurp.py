"""slurp: read a file on the host and return it base64-encoded (Ansible's ``slurp``)."""

from __future__ import annotations

import base64
import os
TYPE_CHECKING = False  # typing costs ~6 ms at every gate start: annotations only
if TYPE_CHECKING:
    from typing import Any, Dict

from ftltui.modules.base import Arg, ModuleContext, ModuleFail, ModuleSpec

SPEC = ModuleSpec(
    name="slurp",
    summary="Return the content of a file on the host, base64-encoded",
    args={"src": Arg(type="path", required=True, aliases=("path",))},
)


def run(params: Dict[str, Any], ctx: ModuleContext) -> Dict[str, Any]:
    src = params["src"]
    try:
        with open(src, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        raise ModuleFail("file not found: %s" % src) from None
    except IsADirectoryError:
        raise ModuleFail("source is a directory and must be a file: %s" % src) from None
    except PermissionError:
        raise ModuleFail("file is not readable: %s" % src) from None
    except OSError as exc:
        raise ModuleFail("unable to slurp file: %s" % exc) from None
    return {"changed": False, "content": base64.b64encode(data).decode("ascii"),
            "encoding": "base64", "source": os.path.abspath(src)}
