"""The password lookup's ``encrypt=`` salt against ansible-playbook 2.19 (issue 15): the
salt is stored in the file beside the password and reused, so the hash is stable across
lookups and runs; a stored salt (also after a password holding `` salt=``) gives exactly
ansible-playbook's hash; the files left behind have Ansible's contents (random parts
masked)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from runner_oracle import compare

pytestmark = [pytest.mark.skipif(shutil.which("ansible-playbook") is None,
                                 reason="ansible-playbook (the oracle) is not installed"),
              pytest.mark.timeout(300)]

PLAYBOOK = Path(__file__).parent / "corpus" / "gaps" / "password_salt.yml"


def _masked(files: dict[str, str]) -> dict[str, str]:
    out = dict(files)
    out["pw_nosalt"] = re.sub(r"salt=[./0-9A-Za-z]{16}$", "salt=<16>", files["pw_nosalt"].rstrip("\n"))
    out["pw_new"] = re.sub(r"^\S{12} salt=[./0-9A-Za-z]{16}$", "<12> salt=<16>", files["pw_new"].rstrip("\n"))
    out["pw_plain"] = re.sub(r"^\S{12}$", "<12>", files["pw_plain"].rstrip("\n"))
    return out


def test_password_lookup_salt_is_stored_and_reused(tmp_path: Path) -> None:
    res = compare(PLAYBOOK, tmp_path, ["a"])
    a_rc, a_recap, a_tree = res["ansible"]
    f_rc, f_recap, f_tree = res["ftl"]
    assert a_recap, res["ansible_text"][-2000:]
    assert "False" not in a_tree["report"], a_tree["report"]
    assert f_tree["report"] == a_tree["report"]
    assert _masked(f_tree) == _masked(a_tree)
    assert f_tree["pw_new"] != a_tree["pw_new"]  # generated, not copied
    assert (f_recap, f_rc) == (a_recap, a_rc)


def test_password_file_format_round_trips() -> None:
    from ftltui.templating.lookup_files import format_password_file, parse_password_file

    assert parse_password_file("a salt=b salt=cdefgh") == ("a salt=b", "cdefgh", None)
    assert parse_password_file("pw salt=" + "x" * 22 + " ident=2b") == ("pw", "x" * 22, "2b")
    assert parse_password_file("plain") == ("plain", None, None)
    assert format_password_file("pw", "s", "2b") == "pw salt=s ident=2b"
    assert format_password_file("pw", None, None) == "pw"
