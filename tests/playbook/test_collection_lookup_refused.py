"""A collection lookup (``community.general.random_string``) is refused when the playbook
is loaded, so at ``--syntax-check``, naming the lookup, its place and why (hG session 11,
finding 11): collection lookup plugins subclass ansible's LookupBase and ftl-tui never
imports ansible, so it cannot load them as it loads some collection filters. ftl-tui
failed the task at run time where ansible-playbook ran it (a different recap). This is a
documented difference (docs/playbooks.md); ansible-playbook is run beside it to show what
it does with the same file."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from text_oracle import ansible_text, inventory

from ftltui.playbook.loader import load_playbook
from ftltui.playbook.model import PlaybookError

PLAYBOOK = Path(__file__).parent / "corpus" / "gaps" / "collection_lookup" / "pb.yml"


def test_a_collection_lookup_is_refused_at_load_naming_it() -> None:
    with pytest.raises(PlaybookError) as info:
        load_playbook(PLAYBOOK)
    err = info.value
    assert err.location is not None and (err.location.line, err.location.col) == (6, 30)
    assert "the lookup 'community.general.random_string' is not available in ftl-tui" in err.message
    assert "collection lookup plugins import ansible" in err.message


@pytest.mark.skipif(shutil.which("ansible-playbook") is None, reason="ansible-playbook (the oracle) is not installed")
@pytest.mark.timeout(300)
def test_ansible_playbook_runs_it(tmp_path: Path) -> None:
    """What ftl-tui refuses: ansible-playbook (with community.general installed) runs it."""
    inv = inventory(tmp_path, {"h1": ""})
    rc, text = ansible_text(PLAYBOOK, inv, tmp_path / "out", "--syntax-check")
    assert rc == 0, text
    rc, text = ansible_text(PLAYBOOK, inv, tmp_path / "out")
    if "random_string" in text and "was not found" in text:
        pytest.skip("community.general is not installed beside ansible-playbook")
    assert rc == 0 and '"msg": 0' in text, text
