"""A module call for one host: the Host the executor connects to (become, remote user,
delegation applied), the rendered arguments, and the controller halves that need the
playbook's variables (``template`` renders here with them; ``copy``/``template`` find
``src`` in the role's ``files``/``templates`` first, as Ansible does).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from ftltui.ansible_modules.run import DEPRECATION_LABEL as DEPRECATION
from ftltui.engine.events import OutputLine, Warning_
from ftltui.errors import FtlError
from ftltui.inventory.model import Host
from ftltui.playbook.events import PlaybookWarning
from ftltui.playbook.model import builtin_name
from ftltui.playbook.playctx import PlayRun
from ftltui.playbook.scope import Scope
from ftltui.playbook.templar import is_omit

# keyword -> the host variable the executor reads (inventory variables win over keywords)
_KEYWORD_VARS = {
    "become": "ansible_become", "become_user": "ansible_become_user", "become_method": "ansible_become_method",
    "become_flags": "ansible_become_flags", "become_exe": "ansible_become_exe", "remote_user": "ansible_user",
    "port": "ansible_port", "connection": "ansible_connection",
}
_OPTION_VARS = {"become": "ansible_become", "become_user": "ansible_become_user",
                "become_method": "ansible_become_method", "remote_user": "ansible_user"}


def render_args(args: dict[str, Any], templar: Any) -> dict[str, Any]:
    """Arguments rendered for one host; an argument that renders to ``omit`` is dropped."""
    out: dict[str, Any] = {}
    for key, value in args.items():
        rendered = templar.render(value)
        if is_omit(rendered):
            continue
        out[key] = _drop_omits(rendered)
    return out


def with_module_defaults(short: str, action: str, args: dict[str, Any], scope: Scope, keywords: dict[str, Any],
                         templar: Any) -> dict[str, Any]:
    """``module_defaults`` (play, block, task; inner levels win) under the task's own args.
    Entries name the module as written, by its short or ``ansible.builtin`` name; action
    groups (``group/...``) are refused with a clear message."""
    layers = [kw["module_defaults"] for kw in scope.keywords if "module_defaults" in kw]
    if "module_defaults" in keywords:
        layers.append(keywords["module_defaults"])
    if not layers:
        return args
    names = {action, short, f"ansible.builtin.{short}", f"ansible.legacy.{short}"}
    merged: dict[str, Any] = {}
    for layer in layers:
        for entry in layer if isinstance(layer, list) else [layer]:
            for name, values in (templar.render(entry) or {}).items():
                if str(name).startswith("group/"):
                    raise FtlError(f"module_defaults: action groups ({name}) are not supported by ftl-tui")
                if name in names and isinstance(values, dict):
                    merged.update(values)
    return {**merged, **args}


def _drop_omits(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _drop_omits(v) for k, v in value.items() if not is_omit(v)}
    if isinstance(value, list):
        return [_drop_omits(v) for v in value if not is_omit(v)]
    return value


def connection_host(pc: PlayRun, name: str, scope: Scope, keywords: dict[str, Any], templar: Any,
                    variables: dict[str, Any]) -> Host:
    """The Host given to the executor: keyword settings under the host's own variables.

    ``-b``/``-u`` < play/block/task keywords < inventory variables < play/task ``vars``
    naming ``ansible_*`` connection variables (Ansible: variables beat keywords).
    """
    inv = pc.inventory_host(name)
    # the job's own lowest layer (a become password the job was given: the console's play
    # form, a retry's -K), which the executor's var_defaults (this process's -K) do not hold
    layer: dict[str, Any] = {k: v for k, v in pc.options.var_defaults.items() if k in _VAR_NAMES}
    for opt, var in _OPTION_VARS.items():
        value = getattr(pc.options, opt, None)
        if value not in (None, ""):
            layer[var] = value
    for kw, var in _KEYWORD_VARS.items():
        value = scope.keyword(kw, keywords)
        if value is not None:
            layer[var] = templar.render(value)
    merged = {**layer, **inv.vars}
    for key, value in variables.items():
        if key in _VAR_NAMES and _declared(pc, scope, keywords, key):
            merged[key] = templar.render(value)
    return replace(inv, vars=merged)


_VAR_NAMES = frozenset(_KEYWORD_VARS.values()) | {
    "ansible_become_password", "ansible_become_pass", "ansible_host", "ansible_python_interpreter",
    "ansible_ssh_private_key_file", "ansible_password", "ansible_ssh_common_args", "ansible_ssh_extra_args",
    "ftl_ansible_modules",
}


def _declared(pc: PlayRun, scope: Scope, keywords: dict[str, Any], key: str) -> bool:
    """Was ``key`` set by the playbook (play/block/task vars, vars_files), not the inventory?"""
    if key in (keywords.get("vars") or {}) or key in pc.play_vars:
        return True
    return any(key in layer for layer in scope.var_layers)


def delegate_host(pc: PlayRun, name: str) -> Host:
    host = pc.inventory.host(name)
    if host is None:
        raise FtlError(f"delegate_to: no host named {name!r} in the inventory")
    return host


def find_source(pc: PlayRun, scope: Scope, kind: str, src: str) -> Path:
    """``src`` of copy (``files``) or template (``templates``): the role's directory, then the
    playbook's, then as written relative to the playbook."""
    path = Path(src).expanduser()
    if path.is_absolute():
        return path
    candidates: list[Path] = []
    for use in reversed(scope.roles):
        candidates += [use.role.path / kind / path, use.role.path / path]
    candidates += [pc.base_dir / kind / path, pc.base_dir / path]
    for c in candidates:
        if c.exists():
            return c
    return candidates[-1]


def render_template_file(templar: Any, text: str) -> str:
    """A template file as Ansible's template action renders it: one final newline of the
    source is not part of the template (Jinja2's default), and the output then gets as
    many trailing newlines as the source had, if it has fewer."""
    render_text = getattr(templar, "render_text", None)
    if render_text is not None:  # the playbook templar: Jinja2 drops the newline itself (render.py)
        return str(render_text(text))
    body = text.removesuffix("\n")
    out = templar.render(body)
    out = out if isinstance(out, str) else str(out)
    missing = (len(text) - len(text.rstrip("\n"))) - (len(out) - len(out.rstrip("\n")))
    return out + "\n" * max(0, missing)


RENAMED_RESULTS = "Found internal 'results' key in module return, renamed to 'ansible_module_results'."


async def call_module(pc: PlayRun, host: Host, action: str, args: dict[str, Any], *, check: bool,
                      timeout: float | None, on_output: Callable[[str, str], None], scope: Scope,
                      templar: Any, no_log: bool = False,
                      environment: dict[str, str] | None = None) -> dict[str, Any]:
    """Run ``action`` on ``host`` through the executor; the result in Ansible's shape.

    With ``no_log`` the executor's events (its bus: the console, jobs, logs) carry the
    censored result and this caller alone gets the real one, for ``register``.
    ``environment`` is the task's ``environment`` keyword, rendered."""
    name = builtin_name(action)
    module = name
    if name == "template":
        src = find_source(pc, scope, "templates", str(args.get("src", "")))
        try:
            text = src.read_text()
        except OSError as exc:
            return {"failed": True, "msg": f"Could not find or access '{args.get('src')}': {exc.strerror}"}
        content = render_template_file(templar.with_vars({"template_path": str(src), "template_host": host.name}),
                                       text)
        args = {k: v for k, v in args.items() if k not in ("src", "lstrip_blocks", "trim_blocks", "newline_sequence",
                                                           "output_encoding", "variable_start_string",
                                                           "variable_end_string", "block_start_string",
                                                           "block_end_string")}
        args["content"] = content if isinstance(content, str) else str(content)
        module = "copy"
    elif name == "copy" and args.get("src") and not args.get("remote_src"):
        args = dict(args, src=str(find_source(pc, scope, "files", str(args["src"]))))
    elif name == "copy" and args.get("content") is not None and not isinstance(args["content"], str):
        # Ansible's copy action writes a list or dict as JSON, anything else as its text
        # ("{{ flags }}\n" is the list itself: Jinja2 drops the newline)
        value = args["content"]
        args = dict(args, content=json.dumps(value) if isinstance(value, (list, dict)) else str(value))

    def on_event(ev: Any) -> None:
        if isinstance(ev, OutputLine):
            on_output(ev.stream, ev.text)
        elif isinstance(ev, Warning_):  # a module's warnings and deprecations, shown as ansible-playbook does
            dep = ev.text.startswith(DEPRECATION)
            pc.run.emit(PlaybookWarning(ev.text[len(DEPRECATION):] if dep else ev.text, ev.host, deprecation=dep))

    try:
        result = await pc.executor.run([host], module, args, check=check, timeout=timeout, on_event=on_event,
                                       rendered=True, no_log=no_log, keep_result=True, environment=environment)
    except FtlError as exc:
        return {"failed": True, "msg": exc.message}
    hr = result.results.get(host.name)
    if hr is None:
        return {"failed": True, "msg": "no result"}
    out = dict(hr.result)
    if "results" in out and not isinstance(out["results"], (list, tuple)):  # as ansible's ActionBase: a loop's key
        out["ansible_module_results"] = out.pop("results")
        out["warnings"] = [*(out.get("warnings") or []), RENAMED_RESULTS]  # registered too, as in 2.19
        pc.run.emit(PlaybookWarning(RENAMED_RESULTS))
    if hr.status == "unreachable":
        out["unreachable"] = True
    elif hr.status == "cancelled":
        out["failed"] = True
    if name == "template" and "content" in out:
        out.pop("content", None)
    return out
