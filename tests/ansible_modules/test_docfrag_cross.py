"""Doc fragments from another collection (``extends_documentation_fragment: amazon.aws.boto3`` in a
community.aws module) resolve from the installed collections: the options equal ``ansible-doc -j``'s."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from ftltui.ansible_modules import docs, finder

MODULES = ["community.aws.mq_user", "community.aws.ssm_parameter"]


def _oracle(names: list[str]) -> dict:
    p = subprocess.run(["ansible-doc", "-j", *names], capture_output=True, text=True, timeout=300)
    return json.loads(p.stdout)


@pytest.mark.skipif(shutil.which("ansible-doc") is None or finder.find_module(MODULES[0]) is None,
                    reason="ansible / community.aws not installed")
def test_fragments_of_other_collections_are_merged_as_ansible_doc_does() -> None:
    oracle = _oracle(MODULES)
    for name in MODULES:
        want = oracle[name]["doc"]["options"]
        got = docs.module_doc(finder.find_module(name)).options
        assert {"access_key", "region", "endpoint_url"} <= set(want)  # from amazon.aws's fragments
        documented = {n for n, o in got.items() if o.documented}
        assert documented == set(want), name
        for opt, spec in want.items():
            mine = got[opt]
            assert (mine.type, mine.required) == (spec.get("type", "str"), spec.get("required", False)), opt
            assert set(mine.aliases) >= set(spec.get("aliases") or []), opt
            assert mine.default == spec.get("default"), opt
