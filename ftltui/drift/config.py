"""The drift config: what to collect, extra classification rules, the ignore file.

Read from ``--drift-config FILE`` or ``<state>/drift.yml`` (optional)::

    paths: [/etc/nginx/nginx.conf, "/etc/nginx/conf.d/*"]   # added to the defaults
    sysctls: [vm.swappiness]
    sections: [os, packages, services, ports, users, groups, sudoers, cron, mounts, sysctl, files]
    default_paths: true          # false: watch only what is listed
    max_content: 65536
    ignore_file: drift.ignore    # relative to this file; default <state>/drift.ignore
    rules:
      - {type: package, id: "linux-image-*", category: system, severity: high}
      - {type: file, id: "/etc/nginx/*", category: config, severity: high, name: nginx}

Per host (usually per group in the inventory) ``ftl_drift_paths``,
``ftl_drift_sysctls``, ``ftl_drift_sections`` and ``ftl_drift_service_states`` add to
or replace (sections, service_states) these values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ftltui.drift.classify import Rule, rule_from_dict
from ftltui.errors import DriftConfigError, Location
from ftltui.modules.snapshot import DEFAULT_PATHS, DEFAULT_SYSCTLS, SECTIONS

KEYS = ("paths", "sysctls", "sections", "default_paths", "max_content", "ignore_file", "rules")


@dataclass
class DriftConfig:
    paths: list[str] = field(default_factory=list)
    sysctls: list[str] = field(default_factory=list)
    sections: list[str] = field(default_factory=lambda: list(SECTIONS))
    default_paths: bool = True
    max_content: int = 65536
    ignore_file: Path | None = None
    rules: list[Rule] = field(default_factory=list)
    source: str = "<defaults>"

    def collect_params(self, host_vars: dict[str, Any]) -> dict[str, Any]:
        """Arguments for the ``snapshot`` module on a host with these (merged) vars."""
        paths = (list(DEFAULT_PATHS) if self.default_paths else []) + self.paths + _strs(host_vars.get("ftl_drift_paths"))
        sysctls = list(DEFAULT_SYSCTLS) + self.sysctls + _strs(host_vars.get("ftl_drift_sysctls"))
        sections = _strs(host_vars.get("ftl_drift_sections")) or self.sections
        params: dict[str, Any] = {
            "sections": _dedup(sections),
            "paths": _dedup(paths),
            "sysctls": _dedup(sysctls),
            "max_content": self.max_content,
        }
        if host_vars.get("ftl_drift_service_states"):
            params["service_states"] = str(host_vars["ftl_drift_service_states"])
        if host_vars.get("ftl_drift_root"):
            params["root"] = str(host_vars["ftl_drift_root"])
        return params


def _strs(v: Any) -> list[str]:
    if v is None or v == "":
        return []
    if isinstance(v, str):
        return [s.strip() for s in v.split(",") if s.strip()]
    return [str(x) for x in v]


def _dedup(xs: list[str]) -> list[str]:
    return list(dict.fromkeys(xs))


def _line_of(node: Any) -> tuple[int, int]:
    return (node.start_mark.line + 1, node.start_mark.column + 1) if node is not None else (0, 0)


def load_config(path: str | Path | None, state_dir: str | Path) -> DriftConfig:
    """Load the drift config; an absent default file means defaults."""
    explicit = path is not None
    p = Path(path) if path is not None else Path(state_dir) / "drift.yml"
    cfg = DriftConfig(ignore_file=Path(state_dir) / "drift.ignore")
    if not p.exists():
        if explicit:
            raise DriftConfigError("drift config file not found", Location(str(p)))
        return cfg
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise DriftConfigError(f"expected UTF-8 text (invalid byte at offset {exc.start})", Location(str(p))) from None
    except OSError as exc:
        raise DriftConfigError(f"cannot read drift config: {exc.strerror}", Location(str(p))) from None
    try:
        root = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        loc = Location(str(p), mark.line + 1, mark.column + 1) if mark else Location(str(p))
        raise DriftConfigError(f"expected valid YAML ({getattr(exc, 'problem', exc)})", loc) from None
    if data is None or root is None:
        return cfg
    if not isinstance(data, dict):
        raise DriftConfigError("expected a mapping of drift settings", Location(str(p), *_line_of(root)))
    for k, _v in root.value:
        if not isinstance(k.value, str) or k.tag != "tag:yaml.org,2002:str":
            raise DriftConfigError("expected a setting name (a string) as key", Location(str(p), *_line_of(k)))
    nodes = {k.value: (k, v) for k, v in root.value}
    cfg.source = str(p)

    def err(key: str, msg: str, node: Any = None) -> DriftConfigError:
        n = node if node is not None else nodes.get(key, (None, None))[1]
        return DriftConfigError(msg, Location(str(p), *_line_of(n)))

    for key in data:
        if key not in KEYS:
            raise DriftConfigError(f"unknown key {key!r}, expected one of {', '.join(KEYS)}", Location(str(p), *_line_of(nodes[key][0])))
    for key in ("paths", "sysctls", "sections"):
        if key in data:
            if not isinstance(data[key], list):
                raise err(key, f"expected a list for {key!r}")
            setattr(cfg, key, [str(x) for x in data[key]])
    bad = [s for s in cfg.sections if s not in SECTIONS]
    if bad:
        raise err("sections", f"unknown section {bad[0]!r}, expected some of {', '.join(SECTIONS)}")
    if "default_paths" in data:
        cfg.default_paths = bool(data["default_paths"])
    if "max_content" in data:
        if not isinstance(data["max_content"], int):
            raise err("max_content", "expected an integer number of bytes")
        cfg.max_content = data["max_content"]
    if data.get("ignore_file"):
        cfg.ignore_file = (p.parent / str(data["ignore_file"])).resolve()
    rules = data.get("rules") or []
    if not isinstance(rules, list):
        raise err("rules", "expected a list of rules")
    rule_nodes = nodes["rules"][1].value if "rules" in nodes and rules else []
    for i, r in enumerate(rules):
        node = rule_nodes[i] if i < len(rule_nodes) else None
        if not isinstance(r, dict):
            raise err("rules", "expected a rule mapping (type/id/kind/field -> category, severity)", node)
        try:
            cfg.rules.append(rule_from_dict(r, f"rule {i + 1}"))
        except ValueError as exc:
            raise err("rules", str(exc), node) from None
    return cfg
