"""The warm parent of module children (ftltui/gate/ansible_warm.py) imports basic with the GC off.

Collecting during the warm-up cost the fork server's start ~10 % and left holes that children
copy pages to fill; what must hold afterwards: basic's objects are frozen (children never
scan them), and the parent's collector is back as it was, so a gate or fork server that
lives for hours still collects what it creates later. Speed is measured in bench/.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(shutil.which("ansible") is None, reason="no ansible")

WARM = """
import gc, json, sys
sys.path.insert(0, sys.argv[1])
if sys.argv[3] == "off":
    gc.disable()
from ftltui.gate.ansible_warm import warm_interpreter
runs = []
gc.callbacks.append(lambda phase, info: phase == "start" and runs.append(info["generation"]))
warm_interpreter(sys.argv[2], json.loads(sys.argv[4]))
print(json.dumps({"enabled": gc.isenabled(), "frozen": gc.get_freeze_count(), "collections": len(runs),
                  "basic": "ansible.module_utils.basic" in sys.modules}))
"""


@pytest.fixture(scope="module")
def base_zip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from ftltui.ansible_modules import bundle

    path = tmp_path_factory.mktemp("warm") / "base.zip"
    path.write_bytes(bundle.base_payload().data)
    return path


@pytest.mark.parametrize("before", ["on", "off"])
def test_warm_parent_freezes_basic_and_restores_its_collector(base_zip: Path, before: str) -> None:
    from ftltui.ansible_modules import bundle

    p = subprocess.run([sys.executable, "-S", "-c", WARM, str(REPO), str(base_zip), before,
                        json.dumps(list(bundle.BASE_ROOTS))], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert out["basic"] and out["frozen"] > 10000
    assert out["collections"] == 0  # none during the warm-up (the old code ran hundreds and a full one)
    assert out["enabled"] is (before == "on")
