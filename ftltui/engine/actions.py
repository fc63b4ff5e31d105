"""Controller-side halves of modules, as Ansible's action plugins.

``template`` is rendered here (the host never sees Jinja2) and then copied;
``copy src=`` and ``fetch`` move files between controller and host through the
runner. Every other module goes straight to the runner.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ftltui import modules
from ftltui.ansible_modules.run import AnsibleSpec
from ftltui.engine import native_copy
from ftltui.engine.ansible_actions import run_ansible
from ftltui.engine.checksum import file_sha1
from ftltui.engine.runner import OutputCallback, Runner
from ftltui.engine.templating import host_context, render_template_file
from ftltui.inventory.model import Host
from ftltui.modules.base import ArgumentError, validate_args

if TYPE_CHECKING:
    from ftltui.engine.executor import Executor

_COPY_KEYS = ("dest", "mode", "owner", "group", "backup", "force")


async def dispatch(
    executor: Executor,
    runner: Runner,
    host: Host,
    module: str,
    params: dict[str, Any],
    check: bool,
    on_output: OutputCallback,
    *,
    spec: Any = None,
    diff: bool = True,
    no_log: bool = False,
    environment: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The module's result, uncensored (the executor censors what it emits for ``no_log``);
    ``environment`` reaches every module process the action starts on the host."""
    if isinstance(spec, AnsibleSpec):  # an installed Ansible module, run in the host's gate
        return await run_ansible(executor, runner, host, spec, params, check, diff=diff, no_log=no_log,
                                 environment=environment)
    if module == "template":
        return await _template(executor, runner, host, params, check, on_output, environment)
    if module == "copy" and params.get("src") and not params.get("remote_src"):
        return await _copy_from_controller(executor, runner, host, params, check, on_output, environment)
    if module == "fetch":
        return await _fetch(executor, runner, host, params, check, on_output, environment)
    return await runner.run_module(host, module, params, check=check, on_output=on_output, environment=environment)


def _controller_path(executor: Executor, path: str) -> Path:
    p = Path(os.path.expanduser(path))
    if not p.is_absolute() and executor.base_dir:
        p = Path(executor.base_dir) / p
    return p


async def _template(executor: Executor, runner: Runner, host: Host, params: dict[str, Any], check: bool,
                    on_output: OutputCallback, environment: dict[str, str] | None) -> dict[str, Any]:
    src = _controller_path(executor, params["src"])
    try:
        source = src.read_text()
    except OSError as exc:
        return {"failed": True, "msg": f"template: cannot read {src}: {exc.strerror}"}
    ctx = host_context(host, executor.inventory, executor.facts)
    ctx["template_path"] = str(src)
    rendered = render_template_file(source, ctx, host=host.name, path=str(src))
    copy_args = {k: params.get(k) for k in _COPY_KEYS if params.get(k) is not None}
    copy_args["content"] = rendered
    copy_params = validate_args(modules.spec("copy"), copy_args)
    return await runner.run_module(host, "copy", copy_params, check=check, on_output=on_output,
                                   environment=environment)


async def _copy_from_controller(executor: Executor, runner: Runner, host: Host, params: dict[str, Any],
                                check: bool, on_output: OutputCallback,
                                environment: dict[str, str] | None) -> dict[str, Any]:
    given = str(params["src"])
    src = _controller_path(executor, given)
    if src.is_dir():  # Path() drops the trailing slash that says "what is inside"
        source = str(src) + ("/" if given.endswith("/") else "")
        return await native_copy.copy_tree(runner, host, params, source, check, on_output, environment)
    if not src.is_file():
        return {"failed": True, "msg": f"copy: source {src} not found on the controller (or not a file)"}
    result = await native_copy.copy_file(runner, host, src, native_copy.preserved(params, src), check, on_output,
                                         environment)
    if not result.get("failed"):  # a failed copy module's result has no src (Ansible's neither)
        result.setdefault("src", str(src))
    return result


async def _fetch(executor: Executor, runner: Runner, host: Host, params: dict[str, Any], check: bool,
                 on_output: OutputCallback, environment: dict[str, str] | None) -> dict[str, Any]:
    probe = await runner.run_module(host, "fetch", params, check=check, on_output=on_output, environment=environment)
    if probe.get("failed") or not probe.get("exists", True):
        return probe
    dest_root = _controller_path(executor, params["dest"])
    if params.get("flat"):
        dest = dest_root / os.path.basename(params["src"]) if str(params["dest"]).endswith("/") else dest_root
    else:
        dest = dest_root / _safe_relative(host.name) / _safe_relative(params["src"])
    root = dest_root.resolve()
    if not params.get("flat") and root not in dest.resolve().parents:
        return {"failed": True, "msg": f"fetch: destination {dest} escapes {root}"}
    local_sum = file_sha1(dest) if dest.is_file() else None
    result = dict(probe, dest=str(dest), changed=False)
    if local_sum == probe.get("checksum"):
        return result
    if check:
        result["changed"] = True
        return result
    got = await runner.get_file(host, params["src"], str(dest))
    if params.get("validate_checksum", True) and probe.get("checksum") and got.get("checksum") != probe.get("checksum"):
        return dict(result, failed=True, msg="fetch: checksum mismatch after transfer")
    result.update(changed=True, checksum=got.get("checksum"), size=got.get("size"))
    return result


def _safe_relative(path: str) -> str:
    """A remote path or host name as a relative path that cannot climb out (``..``)."""
    parts = [p for p in Path(path).parts if p not in ("/", "..", ".", "")]
    if not parts:
        raise ArgumentError(f"fetch: unusable path {path!r}")
    return str(Path(*parts))


