"""The YAML reader runs on libyaml (CSafeLoader) when present: same data, same positions as pure Python."""

from __future__ import annotations

import pytest
import yaml

from ftltui.errors import InventoryError
from ftltui.inventory import yaml_loader
from ftltui.inventory.yaml_loader import MarkedDict, MarkedList, MarkedLoader, load_yaml

pytestmark = pytest.mark.skipif(not hasattr(yaml, "CSafeLoader"), reason="PyYAML built without libyaml")

TEXT = """
all:
  vars: {a: 1, b: [x, "y"], c: !unsafe '{{ raw }}'}
  children:
    web:
      hosts:
        web[01:03].example.invalid:
          port: 8080
          anchors: &anch {k: v}
        "quoted host":
          merged:
            <<: *anch
            extra: 1e3
    db:
      hosts: {d1: , d2: {x: ~}}
      vars:
        multi: |
          line one
          line two
        flow: [1, 2.5, true, null, 0x1F, 2001-12-14]
"""

BROKEN = [
    "all:\n  hosts:\n    h1\n    h2: x\n",
    "all:\n  children: [\n",
    "a: b: c\n",
    "all:\n\thosts:\n",
    "- a\nb: c\n",
    "all: {x: *missing}\n",
    "all:\n  hosts:\n    h1: {a: 1, a: 2\n",
]


class PureMarkedLoader(yaml.SafeLoader):
    """The same constructors on PyYAML's pure-Python parser: the reference."""

    ftl_file = ""
    ftl_vault = None


PureMarkedLoader.yaml_constructors = dict(MarkedLoader.yaml_constructors)


def walk(value, path="$"):
    """Every node's data and position, in order."""
    if isinstance(value, MarkedDict):
        yield path, "map", value.pos
        for k, v in value.items():
            # libyaml marks an empty value in a flow mapping ({d1: , ...}) one column later than
            # pure PyYAML: the only difference found; no error ever points at an empty value.
            yield f"{path}.{k}", "key", value.key_pos[k], value.value_pos[k] if v is not None else None
            yield from walk(v, f"{path}.{k}")
    elif isinstance(value, MarkedList):
        yield path, "seq", value.pos
        for i, v in enumerate(value):
            yield from walk(v, f"{path}[{i}]")
    else:
        yield path, type(value).__name__, value


def load_with(loader_cls, text):
    orig = yaml_loader.MarkedLoader
    yaml_loader.MarkedLoader = loader_cls
    try:
        return load_yaml(text, "f.yml")
    finally:
        yaml_loader.MarkedLoader = orig


def test_loader_is_libyaml_based() -> None:
    assert issubclass(MarkedLoader, yaml.CSafeLoader)


def test_same_data_and_positions_as_pure_python() -> None:
    fast, pure = load_with(MarkedLoader, TEXT), load_with(PureMarkedLoader, TEXT)
    assert fast == pure
    assert list(walk(fast)) == list(walk(pure))


@pytest.mark.parametrize("text", BROKEN)
def test_same_error_positions_as_pure_python(text: str) -> None:
    errs = []
    for cls in (MarkedLoader, PureMarkedLoader):
        with pytest.raises(InventoryError) as err:
            load_with(cls, text)
        errs.append(err.value.location)
    assert errs[0] == errs[1]


def test_lone_surrogate_is_an_inventory_error_as_before() -> None:
    """libyaml encodes the text to UTF-8 first; a lone surrogate must still be a located InventoryError."""
    for cls in (MarkedLoader, PureMarkedLoader):
        with pytest.raises(InventoryError, match=r"unacceptable character #xd800"):
            load_with(cls, "all:\n  hosts: {h\ud800: }\n")
