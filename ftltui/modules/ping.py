"""ping: proves the module runtime works on the host (not ICMP), as Ansible's does."""

from __future__ import annotations

TYPE_CHECKING = False  # typing costs ~6 ms at every gate start: annotations only
if TYPE_CHECKING:
    from typing import Any, Dict

from ftltui.modules.base import Arg, ModuleContext, ModuleFail, ModuleSpec

SPEC = ModuleSpec(
    name="ping",
    summary="Check that modules run on the host; returns pong",
    args={"data": Arg(type="str", default="pong", help="value to return; 'crash' fails")},
)


def run(params: Dict[str, Any], ctx: ModuleContext) -> Dict[str, Any]:
    if params["data"] == "crash":
        raise ModuleFail("boom")
    return {"changed": False, "ping": params["data"]}
