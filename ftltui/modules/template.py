"""template: declared here so arguments validate everywhere; rendered on the controller.

Jinja2 is not stdlib and the host may not have it, so the executor renders ``src``
against the host's variables and then runs ``copy`` with the result as ``content``.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing costs ~6 ms at every gate start: annotations only
if TYPE_CHECKING:
    from typing import Any, Dict

from ftltui.modules.base import Arg, ModuleContext, ModuleFail, ModuleSpec

SPEC = ModuleSpec(
    name="template",
    summary="Render a Jinja2 template on the controller and copy it to the host",
    args={
        "src": Arg(type="path", required=True, help="template file on the controller"),
        "dest": Arg(type="path", required=True),
        "mode": Arg(type="raw"),
        "owner": Arg(type="str"),
        "group": Arg(type="str"),
        "backup": Arg(type="bool", default=False),
        "force": Arg(type="bool", default=True),
        "validate": Arg(type="str"),
    },
)


def run(params: Dict[str, Any], ctx: ModuleContext) -> Dict[str, Any]:
    raise ModuleFail("template is rendered on the controller; run it through the executor")
