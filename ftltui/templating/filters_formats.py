"""Ansible's JSON and YAML filters: ``to_json``/``to_nice_json``/``from_json``,
``to_yaml``/``to_nice_yaml``/``from_yaml``/``from_yaml_all``.

Written from ``ansible-doc -t filter NAME`` (ansible-core 2.19); the exact text
(indentation, key order, flow style) is compared with Ansible's by the oracle test.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable, Mapping
from typing import Any

import yaml

from ftltui.templating.filters_core import FilterError
from ftltui.templating.omit import OMIT


def plain(value: Any) -> Any:
    """Data with marked strings and mappings turned into plain ``str``/``dict`` (what json,
    yaml and jmespath type-check against)."""
    if isinstance(value, str):
        return str(value)
    if isinstance(value, Mapping):
        return {plain(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


class _JSONEncoder(json.JSONEncoder):
    def default(self, o: Any) -> Any:
        if isinstance(o, (datetime.date, datetime.datetime, datetime.time)):
            return o.isoformat()
        if isinstance(o, (set, frozenset)):
            return list(o)
        if o is OMIT:
            return str(o)
        return super().default(o)


def to_json(value: Any, **kwargs: Any) -> str:
    kwargs.pop("vault_to_text", None)
    kwargs.pop("preprocess_unsafe", None)
    try:
        return json.dumps(plain(value), cls=_JSONEncoder, **kwargs)
    except (TypeError, ValueError) as exc:
        raise FilterError(f"to_json: {exc}") from None


def to_nice_json(value: Any, indent: int = 4, sort_keys: bool = True, **kwargs: Any) -> str:
    kwargs.setdefault("separators", (",", ": "))
    return to_json(value, indent=indent, sort_keys=sort_keys, **kwargs)


def from_json(value: Any, **kwargs: Any) -> Any:
    try:
        return json.loads(str(value), **kwargs)
    except ValueError as exc:
        raise FilterError(f"from_json: not JSON: {exc}") from None


class _Dumper(yaml.SafeDumper):
    """SafeDumper that writes multi-line strings as literal blocks when they can be."""


def _str_representer(dumper: yaml.SafeDumper, data: str) -> Any:
    return dumper.represent_scalar("tag:yaml.org,2002:str", str(data))


_Dumper.add_multi_representer(str, _str_representer)


def to_yaml(value: Any, *args: Any, **kwargs: Any) -> str:
    kwargs.setdefault("allow_unicode", True)
    kwargs.setdefault("default_flow_style", None)
    try:
        dump: Callable[..., str] = yaml.dump  # the filter passes Ansible's extra arguments on as they come
        return dump(plain(value), *args, Dumper=_Dumper, **kwargs)
    except yaml.YAMLError as exc:
        raise FilterError(f"to_yaml: {exc}") from None


def to_nice_yaml(value: Any, indent: int = 4, *args: Any, **kwargs: Any) -> str:
    kwargs["default_flow_style"] = False
    return to_yaml(value, *args, indent=indent, **kwargs)


def from_yaml(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    try:
        return yaml.safe_load(value)
    except yaml.YAMLError as exc:
        raise FilterError(f"from_yaml: not YAML: {exc}") from None


def from_yaml_all(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    try:
        return list(yaml.safe_load_all(value))
    except yaml.YAMLError as exc:
        raise FilterError(f"from_yaml_all: not YAML: {exc}") from None


FILTERS: dict[str, Any] = {
    "to_json": to_json,
    "to_nice_json": to_nice_json,
    "from_json": from_json,
    "to_yaml": to_yaml,
    "to_nice_yaml": to_nice_yaml,
    "from_yaml": from_yaml,
    "from_yaml_all": from_yaml_all,
}
