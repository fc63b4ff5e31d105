"""Run an installed Ansible module on a host through its gate, with Ansible's conventions.

The controller side of ``bundles``/``arun`` (docs/gate-protocol.md): locate the module
(:mod:`ftltui.ansible_modules.finder`), bundle it (:mod:`.bundle`), make sure the host's
cache has both zips (sent once per host and content hash), build ``ANSIBLE_MODULE_ARGS``
with the ``_ansible_*`` keys ansible-core 2.19's ``basic.py`` reads, and turn what the
module printed into Ansible's result: the JSON it printed (junk around it tolerated, as
Ansible's ``_filter_non_json_lines`` does), or Ansible's "Module result deserialization
failed" with ``module_stdout``/``module_stderr``/``rc``. Local hosts use a local gate
subprocess: this process never imports ansible.
"""

from __future__ import annotations

import asyncio
import json
import os
from typing import Any

from ftltui.ansible_modules import bundle as bundles
from ftltui.errors import GateFailed
from ftltui.modules.base import Arg, ArgumentError, ModuleSpec

# ansible-core 2.19 defaults for the keys ActionBase._update_module_args sends
SELINUX_SPECIAL_FS = ["fuse", "nfs", "vboxsf", "ramfs", "9p", "vfat"]
NO_JSON = "Module result deserialization failed: No start of json char found"
NO_JSON_END = "Module result deserialization failed: No end of json char found"
LOST_BUNDLE = "is not on this host"  # the gate's words for a bundle missing from its cache
DEFAULT_FORK_SERVER_IDLE = 600.0
DEPRECATION_LABEL = "[DEPRECATION WARNING]: "  # how a module's deprecation reaches the CLI, console and JSON
CENSORED = "the output has been hidden due to the fact that 'no_log: true' was specified for this result"


class AnsibleSpec(ModuleSpec):
    """A ModuleSpec for a module Ansible runs: arguments are the module's to validate.

    ``path`` is the module file; ``no_log_args`` the options its DOCUMENTATION/argument_spec
    marks ``no_log`` (their values are secrets everywhere); ``supports_check_mode`` what its
    ``AnsibleModule(...)`` call says, if that could be read (the module decides at runtime);
    ``rules`` its argument rules, checked before any host with Ansible's messages;
    ``module_name`` the name the task called it by (``ini_file``, a redirected old name):
    Ansible passes that, not the resolved FQCN, as ``_ansible_module_name``, which the module
    reads as ``module._name`` (its check-mode skip message, old-name behaviour);
    ``deprecation`` its runtime.yml deprecation in Ansible's words, shown once per run.
    """

    __slots__ = ("path", "no_log_args", "supports_check_mode", "kind", "rules", "module_name", "deprecation")
    _FIELDS = ModuleSpec._FIELDS + __slots__
    path: str
    no_log_args: tuple[str, ...]
    supports_check_mode: bool | None
    kind: str
    rules: Any  # rules.ArgRules | None
    module_name: str
    deprecation: str | None

    def __init__(self, name: str, path: str, *, summary: str = "", args: dict[str, Arg] | None = None,
                 no_log_args: tuple[str, ...] = (), supports_check_mode: bool | None = None,
                 kind: str = "python", rules: Any = None, module_name: str | None = None,
                 deprecation: str | None = None) -> None:
        self._init({"name": name, "summary": summary, "args": args or {}, "mutually_exclusive": (),
                    "required_one_of": (), "required_together": (), "needs_python": True, "free_form": None,
                    "aliases": (), "path": path, "no_log_args": no_log_args,
                    "supports_check_mode": supports_check_mode, "kind": kind, "rules": rules,
                    "module_name": module_name or name, "deprecation": deprecation})

    def secret_args(self) -> list[str]:
        return list(self.no_log_args)

    def precheck(self, args: dict[str, Any], templated: bool) -> None:
        """Only the module's argument rules (mutually_exclusive, required_if, ...), with
        Ansible's messages: the module checks everything else itself, on the host."""
        problem = self.rules.violation(args) if self.rules is not None else None
        if problem:
            raise ArgumentError(f"{self.name}: {problem}")


def ansible_spec(name: str, *, collections_paths: tuple[str, ...] = (), playbook_dir: str | None = None
                 ) -> AnsibleSpec | None:
    """The spec of an installed Ansible module ``name``, or None (finder's errors propagate)."""
    from ftltui.ansible_modules import finder

    src = finder.find_module(name, collections_paths=collections_paths, playbook_dir=playbook_dir)
    if src is None:
        return None
    no_log: tuple[str, ...] = ()
    summary, check, rules = "", None, None
    try:
        from ftltui.ansible_modules import docs

        doc = docs.module_doc(src)
        no_log = tuple(n for n, o in doc.options.items() if o.no_log)
        summary, check, rules = doc.short_description, doc.supports_check_mode, doc.rules
    except Exception:  # documentation is for display; running does not depend on it
        pass
    return AnsibleSpec(src.fqcn, src.path, summary=summary, no_log_args=no_log, supports_check_mode=check,
                       kind=src.kind, rules=rules, module_name=name,
                       deprecation=src.deprecation)


def module_args(spec: AnsibleSpec, params: dict[str, Any], *, check: bool, diff: bool = False,
                verbosity: int = 0, no_log: bool = False) -> dict[str, Any]:
    """``ANSIBLE_MODULE_ARGS``: the user's params plus what ansible-core passes every module.

    ``_ansible_tmpdir`` is set by the gate (a fresh directory per task on the host).
    """
    args = dict(params)
    args.update({
        "_ansible_check_mode": bool(check),
        "_ansible_no_log": bool(no_log),
        "_ansible_debug": False,
        "_ansible_diff": bool(diff),
        "_ansible_verbosity": int(verbosity),
        "_ansible_version": bundles.core_version(),
        "_ansible_module_name": spec.module_name,
        "_ansible_syslog_facility": "LOG_USER",
        "_ansible_selinux_special_fs": list(SELINUX_SPECIAL_FS),
        "_ansible_socket": None,
        "_ansible_shell_executable": "/bin/sh",
        "_ansible_keep_remote_files": False,
        "_ansible_remote_tmp": "~/.ansible/tmp",
        "_ansible_ignore_unknown_opts": False,
        "_ansible_target_log_info": None,
        # the issue asks for the module's exception at -vvv (ansible-core: display_traceback)
        "_ansible_tracebacks_for": ["error", "warning", "deprecated"] if verbosity >= 3 else [],
    })
    return args


def secret_values(spec: AnsibleSpec, params: dict[str, Any]) -> list[str]:
    """Values of the module's no_log options (masked on the host and again here)."""
    out = []
    for name in spec.no_log_args:
        v = params.get(name)
        if isinstance(v, (list, tuple)):
            out += [str(x) for x in v if x not in (None, "")]
        elif v not in (None, "") and not isinstance(v, (dict, bool)):
            out.append(str(v))
    return out


async def run_on_gate(gate: Any, spec: AnsibleSpec, params: dict[str, Any], *, check: bool, diff: bool = False,
                      verbosity: int = 0, no_log: bool = False, censor: bool | None = None,
                      environment: dict[str, str] | None = None) -> dict[str, Any]:
    """Ship (once) and run ``spec`` in ``gate``; returns Ansible's result shape.

    ``censor`` (default: ``no_log``) replaces the result with its no_log form; the executor
    passes False and censors what it emits itself. ``environment`` is set in the module's
    process (the forked child), never in the gate's."""
    try:
        b = bundles.build(spec.name, spec.path)
    except (bundles.BundleError, OSError, SyntaxError) as exc:
        return {"failed": True, "changed": False, "msg": str(exc)}
    await ensure_bundles(gate, b)
    msg: dict[str, Any] = {
        "t": "arun", "name": spec.name, "style": b.style, "fqn": b.fqn, "bundle": b.module.digest,
        "args": module_args(spec, params, check=check, diff=diff, verbosity=verbosity, no_log=no_log),
        "secrets": secret_values(spec, params), "interpreter": b.interpreter, "profile": bundles.PROFILE,
    }
    if b.base is not None:
        msg.update(base=b.base.digest, warm=list(bundles.BASE_ROOTS), loader=bundles.BASE_ROOTS[1],
                   server_idle=fork_server_idle())
    if environment:
        msg["environment"] = dict(environment)
    try:
        raw = await gate.request(msg)
    except GateFailed as exc:
        if LOST_BUNDLE not in str(exc):
            raise
        # the host's cache lost a bundle this gate had confirmed (a cleaner, a user's rm -r):
        # forget what was confirmed, send again, run once more
        gate.__dict__.get("ftl_bundles", set()).difference_update(
            p.digest for p in (b.base, b.module) if p is not None)
        await ensure_bundles(gate, b)
        raw = await gate.request(msg)
    return interpret(raw, no_log=no_log if censor is None else censor)


def fork_server_idle() -> float:
    """Seconds a host's fork server (basic imported once per user, ftltui/gate/fork_server.py)
    may wait for work before it exits: ``FTL_TUI_FORK_SERVER_IDLE``, default 600; 0 turns it
    off (each gate imports basic itself)."""
    text = os.environ.get("FTL_TUI_FORK_SERVER_IDLE", "")
    try:
        return max(0.0, float(text)) if text.strip() else DEFAULT_FORK_SERVER_IDLE
    except ValueError:
        return DEFAULT_FORK_SERVER_IDLE


async def ensure_bundles(gate: Any, b: bundles.ModuleBundle) -> None:
    """Make sure the host's cache holds the bundle's zips: one query, each missing zip sent once.

    Per gate client: the digests it has confirmed (a warm task sends nothing extra) and a
    lock, so 50 local hosts sharing one local gate upload a new bundle once, not 50 times.
    """
    state = gate.__dict__
    known: set[str] = state.setdefault("ftl_bundles", set())
    if all(p is None or p.digest in known for p in (b.base, b.module)):
        return
    lock: asyncio.Lock = state.setdefault("ftl_bundle_lock", asyncio.Lock())
    async with lock:
        payloads = [p for p in (b.base, b.module) if p is not None and p.digest not in known]
        if not payloads:
            return
        digests = [p.digest for p in payloads]
        missing = set((await gate.request({"t": "bundles", "digests": digests}))["missing"])
        install: dict[str, str] = {}
        for p in payloads:
            if p.digest in missing:
                install[p.digest] = str((await gate.put_bytes(f"bundle-{p.digest}.zip", p.data))["path"])
        if install:
            left = (await gate.request({"t": "bundles", "digests": digests, "install": install}))["missing"]
            if left:
                raise GateFailed(getattr(gate, "host", "?"), f"bundles {', '.join(left)} did not install")
        known.update(digests)


def interpret(raw: dict[str, Any], *, no_log: bool = False) -> dict[str, Any]:
    """What the module printed, as Ansible reports it."""
    stdout, stderr, rc = str(raw.get("stdout") or ""), str(raw.get("stderr") or ""), raw.get("rc")
    data, warnings = _parse_json(stdout)
    if data is None:
        msg = warnings[0] if warnings else NO_JSON
        if raw.get("signal"):
            msg += f" (the module process was killed by signal {raw['signal']})"
        result: dict[str, Any] = {"failed": True, "changed": False, "msg": msg, "module_stdout": stdout,
                                  "module_stderr": stderr, "rc": rc, "_ansible_parsed": False}
    else:
        result = {k: v for k, v in data.items() if not k.startswith("_ansible_") and k != "invocation"}
        if warnings:
            result.setdefault("warnings", []).extend(warnings)
        if "stdout" in result and "stdout_lines" not in result:
            result["stdout_lines"] = str(result.get("stdout") or "").splitlines()
        if "stderr" in result and "stderr_lines" not in result:
            result["stderr_lines"] = str(result.get("stderr") or "").splitlines()
        _normalize_summaries(result)
        result["changed"] = bool(result.get("changed", False))
        if "failed" in result:
            result["failed"] = bool(result["failed"])
    if raw.get("lingering"):
        result.setdefault("warnings", []).append(
            f"the module left {raw['lingering']} process(es) running in its session; they were killed")
    return censored_result(result) if no_log else result


# what Ansible keeps of a no_log result besides the "censored" text (changed is always there)
_KEPT_BY_NO_LOG = ("changed", "failed", "skipped", "unreachable", "attempts", "retries")


def censored_result(result: dict[str, Any]) -> dict[str, Any]:
    """A task's result under ``no_log: true``, as Ansible shows it: the outcome, none of the content."""
    kept = {k: result[k] for k in _KEPT_BY_NO_LOG if k in result and (result[k] or k in ("attempts", "retries"))}
    kept["changed"] = bool(result.get("changed", False))
    return {"censored": CENSORED, **kept}


def _parse_json(stdout: str) -> tuple[dict[str, Any] | None, list[str]]:
    """The JSON object in a module's stdout, skipping leading and trailing junk lines."""
    lines = stdout.splitlines()
    start = next((i for i, line in enumerate(lines) if line.strip().startswith("{")), None)
    if start is None:
        return None, [NO_JSON]
    lines = lines[start:]
    end = next((len(lines) - i for i, line in enumerate(reversed(lines)) if line.strip().endswith("}")), None)
    if end is None:
        return None, [NO_JSON_END]
    junk = [line for line in lines[end:]]
    try:
        data = json.loads("\n".join(lines[:end]))
    except ValueError as exc:
        return None, [f"Module result deserialization failed: {exc}"]
    if not isinstance(data, dict):
        return None, [NO_JSON]
    warnings = []
    if any(line.strip() for line in junk):
        warnings.append("Module invocation had junk after the JSON data: " + "\n".join(junk))
    return data, warnings


def _event_text(summary: Any) -> str:
    """The message of a 2.19 ``ErrorSummary``/``WarningSummary`` (``event`` and its ``chain`` of causes)."""
    if not isinstance(summary, dict):
        return str(summary)
    event = summary.get("event", summary)
    parts = []
    while isinstance(event, dict):
        if event.get("msg"):
            parts.append(str(event["msg"]))
        chain = event.get("chain")
        event = chain.get("event") if isinstance(chain, dict) else None
    return ": ".join(parts) if parts else str(summary.get("msg", ""))


def _sentence(text: str) -> str:
    text = text.strip()
    return text + "." if text and text[-1] not in "!?." else text


def deprecation_message(d: dict[str, Any]) -> str:
    """A module's deprecation as ansible-core 2.19 prints it after ``[DEPRECATION WARNING]:``
    (``_display_utils.get_deprecation_message_with_plugin_info``): "old option. This feature
    will be removed from collection 'ns.coll' version 9.0.0." A module's own deprecation
    carries its collection as the deprecator (``deprecator.resolved_name``, no ``type``) or
    ``collection_name``; ansible-core's is ``ansible.builtin``."""
    deprecator: dict[str, Any] = d["deprecator"] if isinstance(d.get("deprecator"), dict) else {}
    resolved = deprecator.get("resolved_name") or d.get("collection_name")
    kind = deprecator.get("type")
    plugin = ""
    collection = str(resolved) if resolved else None
    if kind and resolved == "ansible.builtin":
        plugin = f"the {kind if kind == 'module' else f'{kind} plugin'} API"
    elif kind and resolved:
        parts = str(resolved).split(".")
        collection = ".".join(parts[:2]) if len(parts) > 2 else None
        plugin = f"{kind if kind == 'module' else f'{kind} plugin'} {parts[-1]!r}"
    if collection and plugin:
        plugin += " in"
    where = "ansible-core" if collection == "ansible.builtin" else (f"collection {collection!r}" if collection else "")
    if not collection:
        when = "in the future"
    elif d.get("date"):
        when = f"in a release after {d['date']}"
    elif d.get("version"):
        when = f"version {d['version']}"
    else:
        when = "in a future release"
    fragments = ["This feature will be removed", "from" if plugin or where else "", plugin, where, when]
    return " ".join(s for s in (_sentence(str(d.get("msg") or "")),
                                _sentence(" ".join(f for f in fragments if f))) if s)


def _normalize_summaries(result: dict[str, Any]) -> None:
    """Turn ansible-core 2.19's serialized summaries into what its controller shows.

    An exception the module did not handle arrives as an ``ErrorSummary``; Ansible's
    controller reports ``msg: "Task failed: Module failed: <message>"`` and the
    traceback (or "(traceback unavailable)"). Warnings and deprecations become text.
    """
    exc = result.get("exception")
    if isinstance(exc, dict):
        text = _event_text(exc)
        result.setdefault("msg", f"Task failed: Module failed: {text}")
        event = exc.get("event")
        traceback = event.get("formatted_traceback") if isinstance(event, dict) else None
        result["exception"] = traceback or "(traceback unavailable)"
    if isinstance(result.get("warnings"), list):
        result["warnings"] = [_event_text(w) if isinstance(w, dict) else str(w) for w in result["warnings"]]
    if isinstance(result.get("deprecations"), list):
        result["deprecations"] = [dict((k, v) for k, v in d.items() if k not in ("event", "__ansible_type")) |
                                  {"msg": _event_text(d)} if isinstance(d, dict) else {"msg": str(d)}
                                  for d in result["deprecations"]]
