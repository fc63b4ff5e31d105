"""The fork server reads a module's code once per bundle; each child runs it as if it had found it itself.

Why: finding the module in its bundle's zip and unmarshalling it cost every module child
~1.1 ms of CPU (issue 14's warm-call goal). The server now does it once
(ftltui/gate/ansible_preload.py) and children take the spec and code object
from it. What must not change is what the module sees: its ``__name__``, ``__file__``,
spec, loader and ``sys.argv[0]`` equal those of a child that searched the zip itself (the
gate's own warm path, which does not preload). Real processes: gates of the executor
(local connection), the user's fork server, a module of a fake collection.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator

import pytest

from amhelp import Ftl, fake_collection, ftl

IDENT = """#!/usr/bin/python
import sys
from ansible.module_utils.basic import AnsibleModule
m = AnsibleModule(argument_spec={'tag': {}})
m.exit_json(changed=False, name=__name__, file=__file__, spec_name=__spec__.name, origin=__spec__.origin,
            loader=type(__loader__).__name__, archive=getattr(__loader__, 'archive', None), argv0=sys.argv[0],
            preloaded='get_code' in vars(__loader__), tag=m.params['tag'])
"""


# a module with a module_utils of its collection and one of ansible-core's that is not in the base bundle:
# children find them in its zip (the warm parent lists the packages the zip has files in)
UTILS = """#!/usr/bin/python
from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict
from ansible_collections.ftl.pl.plugins.module_utils.helper import VALUE
m = AnsibleModule(argument_spec={})
m.exit_json(changed=False, value=VALUE, snake=camel_dict_to_snake_dict({'HelloWorld': 1}),
            preloaded='get_code' in vars(__loader__))
"""


@pytest.fixture(scope="module")
def colls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    with fake_collection(tmp_path_factory.mktemp("preloadcolls"), "pl", {"ident.py": IDENT, "utils.py": UTILS},
                         {"helper.py": "VALUE = 'from the bundle'\n"}) as mods:
        yield mods


def _runs(server_idle: str, monkeypatch: pytest.MonkeyPatch) -> list[dict]:
    monkeypatch.setenv("FTL_TUI_FORK_SERVER_IDLE", server_idle)
    f = Ftl()
    try:
        out = []
        for tag in ("one", "two"):
            status, res = ftl(f, "ftl.pl.ident", {"tag": tag})
            assert status == "ok", res
            out.append(res)
        return out
    finally:
        f.close()


def test_preloaded_module_sees_what_a_module_found_in_the_zip_sees(colls: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    served = _runs("600", monkeypatch)  # through the fork server: preloaded once, both calls
    own = _runs("0", monkeypatch)  # the gate's own warm state: each child searches the zip itself
    assert [r["preloaded"] for r in served] == [True, True]  # fails without preload_module
    assert [r["preloaded"] for r in own] == [False, False]
    fields = ("name", "file", "spec_name", "origin", "loader", "archive", "argv0")
    for res in served + own:
        assert res["name"] == "__main__" and res["spec_name"] == "ansible_collections.ftl.pl.plugins.modules.ident"
        assert res["loader"] == "zipimporter" and res["file"] == res["origin"] == res["argv0"]
        assert res["origin"].startswith(res["archive"]) and res["archive"].endswith(".zip")
    assert {tuple(r[k] for k in fields) for r in served + own} == {tuple(served[0][k] for k in fields)}
    assert [r["tag"] for r in served + own] == ["one", "two", "one", "two"]


def test_changed_module_is_read_again(colls: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A new version of the module is another bundle: the server reads that one (not the old code)."""
    monkeypatch.setenv("FTL_TUI_FORK_SERVER_IDLE", "600")
    f = Ftl()
    try:
        status, first = ftl(f, "ftl.pl.ident", {"tag": "a"})
        path = colls / "ident.py"
        path.write_text(IDENT.replace("tag=m.params['tag'])", "tag=m.params['tag'] + '-v2')"))
        st = path.stat()
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))  # a new mtime: rebuilt
        status2, second = ftl(f, "ftl.pl.ident", {"tag": "b"})
    finally:
        path.write_text(IDENT)
        f.close()
    assert (status, status2) == ("ok", "ok"), (first, second)
    assert (first["tag"], second["tag"]) == ("a", "b-v2") and first["preloaded"] and second["preloaded"]
    assert first["archive"] != second["archive"]  # another bundle, another zip


def test_module_utils_in_the_bundle_are_found(colls: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from ftltui.ansible_modules import bundle
    from ftltui.ansible_modules.run import ansible_spec

    spec = ansible_spec("ftl.pl.utils")
    assert spec is not None
    b = bundle.build(spec.name, spec.path)
    assert "ansible.module_utils.common.dict_transformations" not in b.base.files  # really from the module's zip
    monkeypatch.setenv("FTL_TUI_FORK_SERVER_IDLE", "600")
    f = Ftl()
    try:
        results = [ftl(f, "ftl.pl.utils", {}) for _ in range(2)]
    finally:
        f.close()
    for status, res in results:
        assert status == "ok", res
        assert (res["value"], res["snake"], res["preloaded"]) == ("from the bundle", {"hello_world": 1}, True)
