"""``{% raw %}...{% endraw %}`` text is literal: the load-time check for unknown filters,
tests and lookups (``template_check``) read it as a template and refused the playbook
(``the filter 'nosuchfilter' is not available``, exit 4) where ansible-playbook runs it
and writes the text as is (hR s11 #5). A raw block on one line, one over several lines in
a block scalar, with whitespace control; compared with ansible-playbook: recap, exit
status and the files each run wrote."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from runner_oracle import assert_same, compare

from ftltui.playbook.loader import load_playbook

PLAYBOOK = Path(__file__).parent / "corpus" / "gaps" / "raw_block" / "pb.yml"


def test_raw_blocks_load() -> None:
    load_playbook(PLAYBOOK)  # raised PlaybookError: the filter 'nosuchfilter' is not available


@pytest.mark.skipif(shutil.which("ansible-playbook") is None, reason="ansible-playbook (the oracle) is not installed")
@pytest.mark.timeout(300)
def test_raw_blocks_run_as_ansible(tmp_path: Path) -> None:
    res = compare(PLAYBOOK, tmp_path, ["h1"])
    assert_same(res)
    files = res["ftl"][2]
    assert files["h1/one_line.txt"] == "{{ x | nosuchfilter }} {{ y is nosuchtest }}\n"
    assert "value: {{ x | nosuchfilter }}" in files["h1/block.txt"] and "host: h1" in files["h1/block.txt"]
