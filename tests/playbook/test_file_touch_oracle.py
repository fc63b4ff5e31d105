"""The native ``file`` module's diff and result as ansible-core's (hG session 11, finding
7): ``state=touch`` under ``--diff`` shows ``atime``/``mtime`` before and after and the
state it came from (``file`` -> ``touch``); a missing file in check mode is ``changed``
with no diff (ftl-tui showed ``absent`` -> ``touch``); an attribute that changes (mode) is
in the diff and the state only when it changes. Compared with ansible-playbook (``-C -D
-v`` and ``-D -v``): the whole text from the first PLAY line with the times written T,
the exit status and the files left behind (content and mode)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from text_oracle import ansible_text, from_play, ftl_text, inventory

from ftltui.playbook.options import PlayOptions

pytestmark = [pytest.mark.skipif(shutil.which("ansible-playbook") is None,
                                 reason="ansible-playbook (the oracle) is not installed"),
              pytest.mark.timeout(300)]

PLAYBOOK = Path(__file__).parent / "corpus" / "gaps" / "file_touch" / "pb.yml"
_TIME = re.compile(r"\b\d{9,}(?:\.\d+)?\b")


def _files(root: Path) -> dict[str, tuple[str, str]]:
    return {p.name: (p.read_text() if p.is_file() else "<dir>", oct(p.stat().st_mode & 0o7777))
            for p in sorted(root.iterdir())}


@pytest.mark.parametrize("check", [True, False], ids=["check-diff", "diff"])
def test_file_touch_diff_and_result_as_ansible(tmp_path: Path, check: bool) -> None:
    inv = inventory(tmp_path, {"h1": ""})
    for side in ("ansible", "ftl"):
        out = tmp_path / side
        out.mkdir()
        for name in ("exists", "moded"):
            (out / f"h1-{name}").write_text("x\n")
            (out / f"h1-{name}").chmod(0o644)
        (out / "h1-dir").mkdir(mode=0o755)
        (out / "h1-dir").chmod(0o755)
    args = ["-D", "-v", *(["-C"] if check else [])]
    a_rc, a_text = ansible_text(PLAYBOOK, inv, tmp_path / "ansible", *args)
    f_rc, f_text = ftl_text(PLAYBOOK, inv, tmp_path / "ftl", PlayOptions(diff=True, check=check, verbosity=1))
    assert '-    "mtime": ' in a_text and '"dest": "' in a_text, a_text  # the oracle's words
    a_lines = from_play(_TIME.sub("T", a_text), tmp_path / "ansible")
    assert from_play(_TIME.sub("T", f_text), tmp_path / "ftl") == a_lines
    assert _files(tmp_path / "ftl") == _files(tmp_path / "ansible")
    assert f_rc == a_rc == 0
