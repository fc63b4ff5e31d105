"""Hostile input: every loader either loads or raises the project's own error, with a place.

``FTL_FUZZ_EXAMPLES`` generated cases per target (10,000 by default: what CI runs; set it
lower for a quick local pass). Inputs are random text steered by fragments of the real
syntax, so most cases get past the first character. Each hypothesis example carries a
batch of 10 inputs: hypothesis itself slows down past ~1000 examples, the targets do not.
"""

from __future__ import annotations

import itertools
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from ftltui import modules
from ftltui.engine.kvargs import parse_kv
from ftltui.errors import DriftConfigError, InventoryError, ModuleArgsError, PatternError
from ftltui.inventory import load_inventory
from ftltui.inventory.builder import Builder
from ftltui.inventory.ini_loader import parse_ini_inventory
from ftltui.inventory.inventory import Inventory
from ftltui.inventory.vars_files import load_vars_file
from ftltui.inventory.yaml_loader import load_yaml, parse_yaml_inventory
from ftltui.modules.base import ArgumentError, validate_args

FUZZ_CASES = int(os.environ.get("FTL_FUZZ_EXAMPLES", "10000"))  # generated cases per target
BATCH = 10  # cases per hypothesis example: hypothesis slows down past ~1000 examples, the targets do not
FUZZ = settings(max_examples=max(1, FUZZ_CASES // BATCH), deadline=None, database=None,
                suppress_health_check=list(HealthCheck))
COUNTS: dict[str, int] = {}


def _count(name: str) -> None:
    COUNTS[name] = COUNTS.get(name, 0) + 1


def _check_count(name: str, expect: int) -> None:
    """The fuzz was not vacuous: it tried (nearly) all its cases. Checked by the test that ran
    them, in its own process: a separate count test could run on another xdist worker, or
    alone, and pass having counted nothing (COUNTS empty there)."""
    n = COUNTS.get(name, 0)
    print(f"\nfuzz cases: {name}={n}")
    assert n >= expect * 0.95, (name, n, expect)  # hypothesis may stop a little early


def _counted(name: str, fuzz: Callable[..., None], *args: object, expect: int = FUZZ_CASES) -> None:
    """Run one hypothesis target from zero and check its count in the same test."""
    COUNTS[name] = 0
    fuzz(*args)
    _check_count(name, expect)


def _text(bits: list[str], max_size: int = 40) -> st.SearchStrategy[str]:
    """Random text built from syntax fragments and stray characters (cheap to generate)."""
    alphabet = bits + list(" \n\t:-[]{}'\"#,=!&*|>%@`?\\") + ["\x00", "\x7f", "\u00e9", "\u202e", "\ud800", "\U0001f600"]
    return st.binary(max_size=max_size).map(lambda b: "".join(alphabet[x % len(alphabet)] for x in b))


def _batch(bits: list[str], max_size: int = 40) -> st.SearchStrategy[list[str]]:
    return st.lists(_text(bits, max_size), min_size=BATCH, max_size=BATCH)


YAML_BITS = ["all:", "hosts:", "children:", "vars:", "\n", "  ", "    ", "- ", ": ", "web[01:0", "[a:c]", "{", "}", "[",
             "]", "'", '"', "!unsafe ", "!vault ", "&a ", "*a", "? ", "ansible_group_priority: ", "null", "1", "x",
             "#", ",", "---\n", "\t", "web[1:3:0]", "db-[a:Z]", ":2222", "\x00", "\ufeff", "ansible_port: ", "ansible_host: ",
             "!!python/object:os.system ", "<<: *a", "~", "3.5", "true", "\\", "%TAG ", "web-[001:100]"]
INI_BITS = ["[web]", "[web:children]", "[web:vars]", "[all:vars]", "[x:bad]", "[", "]", "\n", " ", "=", "a=1", "b='x",
            "web[1:3]", "h:22", ":", "#", ";", "'", '"', "[1,2]", "{'a':", "host", "web", "---", "\\", "db-[a:Z]", "[g h]",
            "0x1F", "ansible_port=", "ansible_host=", "[web:children]\nweb\n", "\x00", "[a:b:c]", "=\n"]


def _assert_located(exc: InventoryError | DriftConfigError, file: str) -> None:
    assert exc.location is not None, exc
    assert exc.location.file == file, exc.location


# -- inventory -----------------------------------------------------------------------------

def _yaml_inventory(text: str) -> None:
    b = Builder()
    try:
        parse_yaml_inventory(load_yaml(text, "inv.yml"), "inv.yml", b)
        b.reconcile()
        inv = Inventory(b, ["inv.yml"], [])
    except InventoryError as exc:
        _assert_located(exc, "inv.yml")
        return
    inv.to_ansible_list()
    inv.graph()


@FUZZ
@given(_batch(YAML_BITS))
def _fuzz_yaml_inventory(texts: list[str]) -> None:
    for text in texts:
        _count("yaml inventory")
        _yaml_inventory(text)


def test_fuzz_yaml_inventory() -> None:
    _counted("yaml inventory", _fuzz_yaml_inventory)


@FUZZ
@given(_batch(INI_BITS))
def _fuzz_ini_inventory(texts: list[str]) -> None:
    for text in texts:
        _count("ini inventory")
        b = Builder()
        try:
            parse_ini_inventory(text, "hosts.ini", b)
            b.reconcile()
            inv = Inventory(b, ["hosts.ini"], [])
        except InventoryError as exc:
            _assert_located(exc, "hosts.ini")
            continue
        inv.to_ansible_list()
        inv.graph()


def test_fuzz_ini_inventory() -> None:
    _counted("ini inventory", _fuzz_ini_inventory)


@pytest.fixture(scope="module")
def scratch():
    with tempfile.TemporaryDirectory() as d:
        yield Path(d)


_serial = itertools.count()


@FUZZ
@given(texts=_batch(YAML_BITS + ['{"a": 1}', '"key": ', "[1, 2]"]), ext=st.sampled_from([".yml", ".json", ".yaml"]))
def _fuzz_group_vars_file(scratch: Path, texts: list[str], ext: str) -> None:
    for text in texts:
        _count("group_vars file")
        path = scratch / f"g{next(_serial)}{ext}"  # a fresh name: the loader caches by path+mtime
        path.write_bytes(text.encode("utf-8", "surrogatepass"))  # lone surrogates: invalid UTF-8 on disk
        try:
            data = load_vars_file(path)
        except InventoryError as exc:
            _assert_located(exc, str(path))
            continue
        finally:
            path.unlink()
        assert isinstance(data, dict)


def test_fuzz_group_vars_file(scratch: Path) -> None:
    _counted("group_vars file", _fuzz_group_vars_file, scratch)


def test_fuzz_inventory_from_disk_end_to_end(tmp_path: Path) -> None:
    """A smaller end-to-end sample through ``load_inventory`` (a directory with group_vars)."""

    examples = max(20, FUZZ_CASES // 50)

    @settings(max_examples=examples, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(_text(YAML_BITS), _text(INI_BITS), _text(YAML_BITS))
    def inner(yml: str, ini: str, gv: str) -> None:
        _count("inventory dir (end to end)")
        d = Path(tempfile.mkdtemp(dir=tmp_path))
        (d / "a.yml").write_bytes(yml.encode("utf-8", "surrogatepass"))
        (d / "b").write_bytes(ini.encode("utf-8", "surrogatepass"))
        (d / "group_vars").mkdir()
        (d / "group_vars" / "all.yml").write_bytes(gv.encode("utf-8", "surrogatepass"))
        try:
            inv = load_inventory([str(d)])
            for h in inv.hosts.values():
                inv.hostvars(h.name)
        except InventoryError as exc:
            assert exc.location is not None and exc.location.file.startswith(str(d)), exc

    _counted("inventory dir (end to end)", inner, expect=examples)


# -- host patterns ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def pattern_inventory(scratch: Path) -> Inventory:
    p = scratch / "patterns.ini"
    p.write_text("[web]\nweb[01:20].example\n[db]\ndb-[a:f]\n[prod:children]\nweb\n[staging]\nweb01.example\ndb-a\n")
    return load_inventory([str(p)])


PATTERN_BITS = ["web", "db", "all", "*", ":", "&", "!", ",", "~", "[", "]", "0", "1", "-1", ":3", "~(web|db).*",
                "~[", "web[0:2]", "prod", "staging", "db-a", "localhost", "?", "\\", "(", ")", "web01.example", " ",
                "~(a{1,99999}){1,99999}", "web[-1:]", "[0:999999999999]"]


@FUZZ
@given(_batch(PATTERN_BITS, 12))
def _fuzz_host_patterns(pattern_inventory: Inventory, patterns: list[str]) -> None:
    for pattern in patterns:
        _count("host pattern")
        try:
            hosts = pattern_inventory.select(pattern)
        except PatternError:
            continue
        assert all(h is not None for h in hosts)


def test_fuzz_host_patterns(pattern_inventory: Inventory) -> None:
    _counted("host pattern", _fuzz_host_patterns, pattern_inventory)


# -- module arguments ----------------------------------------------------------------------

SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=6),
                    st.sampled_from(["yes", "no", "0x1f", "1e3", "present", "absent", "a,b", "~/x", "../..", "0o777",
                                     "0b2", "-1", "   ", "\x00"]))
VALUES = st.one_of(SCALARS, st.lists(SCALARS, max_size=3), st.dictionaries(st.text(max_size=3), SCALARS, max_size=2))
MODULES = modules.available()


@pytest.mark.parametrize("module", MODULES)
def test_fuzz_validate_args_every_module(module: str) -> None:
    spec = modules.spec(module)
    names = sorted(set(spec.args) | {a for arg in spec.args.values() for a in arg.aliases})
    keys = st.one_of(st.sampled_from(names or ["x"]), st.sampled_from(names or ["x"]), st.text(max_size=4))
    examples = max(10, FUZZ_CASES // BATCH // len(MODULES))

    @settings(max_examples=examples, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(st.lists(st.dictionaries(keys, VALUES, max_size=6), min_size=BATCH, max_size=BATCH))
    def inner(raws: list[dict[str, Any]]) -> None:
        for raw in raws:
            _count("validate_args (all modules)")
            try:
                params = validate_args(spec, raw)
            except ArgumentError as exc:
                assert str(exc).startswith(spec.name + ":"), exc
                continue
            assert set(params) == set(spec.args)

    _counted("validate_args (all modules)", inner, expect=examples * BATCH)


KV_BITS = ["k=v", "argv=", '["a", "b"]', "{", "}", "[", "]", "'", '"', "\\", "=", " ", "chdir=/tmp", '{"cmd": 1}',
           "free form", "x==y", "a='b c'", '"unterminated', "\t", "\n", "{not json", "cmd=", "1=2", "=x"]


@FUZZ
@given(_batch(KV_BITS, 20), st.sampled_from([None, "cmd"]))
def _fuzz_parse_kv(texts: list[str], free_form: str | None) -> None:
    for text in texts:
        _count("parse_kv")
        try:
            out = parse_kv(text, free_form, {"cmd", "chdir", "argv", "k"} if free_form else None)
        except ModuleArgsError as exc:
            assert str(exc).startswith("-a:")
            continue
        assert isinstance(out, dict)


def test_fuzz_parse_kv() -> None:
    _counted("parse_kv", _fuzz_parse_kv)


# -- drift config and ignore files (landed with the drift feature) ----------------------------

DRIFT_BITS = ["paths:", "sysctls:", "sections:", "rules:", "default_paths:", "max_content:", "ignore_file:", "\n", "  ",
              "- ", ": ", "[", "]", "{", "}", "files", "users", "bogus", "category: ", "severity: ", "security", "high",
              "bump: ", "type: ", "1", "null", "'", "? ", "&a ", "*a", "---\n", "- {}", "- []", "true"]


@FUZZ
@given(_batch(DRIFT_BITS))
def _fuzz_drift_config(scratch: Path, texts: list[str]) -> None:
    from ftltui.drift.config import load_config

    path = scratch / "drift.yml"
    for text in texts:
        data = text.encode("utf-8", "replace")
        _count("drift config")
        path.write_bytes(data)
        try:
            load_config(path, scratch)
        except DriftConfigError as exc:
            _assert_located(exc, str(path))


def test_fuzz_drift_config(scratch: Path) -> None:
    _counted("drift config", _fuzz_drift_config, scratch)


@pytest.mark.parametrize("content", [b"1: x\n", b"? \n", b"paths: [\xff\xfe]\n"], ids=["int-key", "null-key", "invalid-utf8"])
def test_drift_config_odd_keys_and_bytes(tmp_path: Path, content: bytes) -> None:
    from ftltui.drift.config import load_config

    path = tmp_path / "drift.yml"
    path.write_bytes(content)
    with pytest.raises(DriftConfigError) as info:
        load_config(path, tmp_path)
    _assert_located(info.value, str(path))


IGNORE_BITS = ["file:", "user:", "*", "!", ":", "/etc/*", " reason=", " expires=", "2030-01-01", "2030-13-45", "'", '"',
               "\\", "#", "\n", " ", "x=y", "=", "**", "[", "]"]


@FUZZ
@given(_batch(IGNORE_BITS))
def _fuzz_drift_ignore(texts: list[str]) -> None:
    from ftltui.drift.ignore import parse_ignore

    for text in texts:
        _count("drift ignore")
        try:
            rules = parse_ignore(text, "drift.ignore")
        except DriftConfigError as exc:
            _assert_located(exc, "drift.ignore")
            assert exc.location.line >= 1
            continue
        assert all(r.line >= 1 for r in rules)


def test_fuzz_drift_ignore() -> None:
    _counted("drift ignore", _fuzz_drift_ignore)


@pytest.mark.parametrize("value", [float("inf"), float("-inf"), float("nan")])
def test_int_argument_rejects_non_finite_floats(value: float) -> None:
    """Found by the fuzzer: ``int(float("inf"))`` raised OverflowError, not ArgumentError."""
    spec = modules.spec("wait_for")
    with pytest.raises(ArgumentError, match="expected an integer"):
        validate_args(spec, {"timeout": value})
