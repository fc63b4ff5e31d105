"""copy, file, stat, lineinfile, slurp, fetch, template on real files in tmp dirs."""

from __future__ import annotations

import base64
import hashlib
import os
import re
import stat
from pathlib import Path

import pytest

from ftltui.modules import _files
from ftltui.modules.base import ArgumentError
from modhelp import call


def mode_of(p: Path) -> int:
    return stat.S_IMODE(os.lstat(p).st_mode)


# -- copy ---------------------------------------------------------------------------

def test_copy_create_modify_noop_with_checksums(tmp_path: Path):
    dest = tmp_path / "f.txt"
    r = call("copy", {"content": "one\n", "dest": str(dest), "mode": "0640"})
    assert r["changed"] and dest.read_text() == "one\n" and mode_of(dest) == 0o640
    assert r["checksum"] == hashlib.sha1(b"one\n").hexdigest()
    assert r["diff"]["before"] == "" and r["diff"]["after"] == "one\n"
    assert call("copy", {"content": "one\n", "dest": str(dest), "mode": "0640"})["changed"] is False
    # only the mode differs: still a change, content untouched
    r = call("copy", {"content": "one\n", "dest": str(dest), "mode": "u=rw,go="})
    assert r["changed"] and mode_of(dest) == 0o600
    r = call("copy", {"content": "two\n", "dest": str(dest)})
    assert r["changed"] and dest.read_text() == "two\n" and mode_of(dest) == 0o600  # mode kept


def test_copy_check_mode_changes_nothing(tmp_path: Path):
    dest = tmp_path / "f"
    r = call("copy", {"content": "x", "dest": str(dest)}, check=True)
    assert r["changed"] and not dest.exists() and r["diff"]["after"] == "x"
    dest.write_text("old")
    r = call("copy", {"content": "x", "dest": str(dest), "mode": "0600", "backup": True}, check=True)
    assert r["changed"] and dest.read_text() == "old" and mode_of(dest) != 0o600
    assert os.listdir(tmp_path) == ["f"]


def test_copy_backup_is_named_like_ansible(tmp_path: Path):
    dest = tmp_path / "f"
    dest.write_text("old")
    r = call("copy", {"content": "new", "dest": str(dest), "backup": True})
    name = os.path.basename(r["backup_file"])
    assert re.match(r"^f\.\d+\.\d{4}-\d\d-\d\d@\d\d:\d\d:\d\d~$", name)
    assert Path(r["backup_file"]).read_text() == "old" and dest.read_text() == "new"


def test_copy_src_force_and_directories(tmp_path: Path):
    src = tmp_path / "src.bin"
    src.write_bytes(b"\0\1\2")
    out = tmp_path / "out"
    out.mkdir()
    r = call("copy", {"src": str(src), "dest": str(out)})  # into a directory
    assert r["changed"] and (out / "src.bin").read_bytes() == b"\0\1\2" and "diff" not in r
    (out / "keep").write_text("mine")
    r = call("copy", {"content": "theirs", "dest": str(out / "keep"), "force": False})
    assert r["changed"] is False and (out / "keep").read_text() == "mine"
    tree = tmp_path / "tree"
    (tree / "sub").mkdir(parents=True)
    (tree / "sub" / "a").write_text("a")
    r = call("copy", {"src": str(tree), "dest": str(out)})
    assert r["changed"] and (out / "tree" / "sub" / "a").read_text() == "a"
    assert call("copy", {"src": str(tree), "dest": str(out)})["changed"] is False


def test_copy_failures_and_bad_args(tmp_path: Path):
    assert call("copy", {"content": "x", "dest": str(tmp_path)})["failed"]
    assert call("copy", {"content": "x", "dest": str(tmp_path / "no" / "f")})["failed"]
    assert "not found" in call("copy", {"src": str(tmp_path / "missing"), "dest": str(tmp_path / "d")})["msg"]
    with pytest.raises(ArgumentError):
        call("copy", {"content": "x", "src": "/etc/hosts", "dest": "/tmp/x"})
    with pytest.raises(ArgumentError):
        call("copy", {"content": "x"})
    assert call("copy", {"content": "x", "dest": str(tmp_path / "m"), "mode": "u+q"})["failed"]


def test_copy_validate(tmp_path: Path):
    dest = tmp_path / "v"
    r = call("copy", {"content": "bad", "dest": str(dest), "validate": "grep -q good %s"})
    assert r["failed"] and not dest.exists()
    assert call("copy", {"content": "good", "dest": str(dest), "validate": "grep -q good %s"})["changed"]


# -- mode parsing ---------------------------------------------------------------------

@pytest.mark.parametrize("mode,current,is_dir,want", [
    ("0755", 0o644, False, 0o755), ("644", 0o777, False, 0o644), (0o600, 0o644, False, 0o600),
    ("u+x", 0o644, False, 0o744), ("go-r", 0o644, False, 0o600), ("a=r", 0o777, False, 0o444),
    ("u=rwx,g=rx,o=", 0, False, 0o750), ("a+X", 0o644, True, 0o755), ("a+X", 0o644, False, 0o644),
    ("a+X", 0o744, False, 0o755), ("g=u", 0o640, False, 0o660), ("u+s,o+t", 0o755, False, 0o5755),
    ("+w", 0o444, False, 0o666),
])
def test_resolve_mode(mode, current, is_dir, want):
    assert _files.resolve_mode(mode, current, is_dir) == want


# -- file -----------------------------------------------------------------------------

def test_file_directory_touch_absent(tmp_path: Path):
    d = tmp_path / "a" / "b"
    r = call("file", {"path": str(d), "state": "directory", "mode": "0750"})
    assert r["changed"] and d.is_dir() and mode_of(d) == 0o750 and mode_of(d.parent) == 0o750
    assert call("file", {"path": str(d), "state": "directory", "mode": "0750"})["changed"] is False
    t = d / "t"
    assert call("file", {"path": str(t), "state": "touch"})["changed"] and t.is_file()
    assert call("file", {"path": str(t), "state": "touch"})["changed"]  # touch always changes
    r = call("file", {"path": str(t), "mode": "0600"})  # state defaults to the current one
    assert r["changed"] and mode_of(t) == 0o600
    r = call("file", {"dest": str(tmp_path / "a"), "state": "absent"}, check=True)
    assert r["changed"] and d.exists()
    r = call("file", {"name": str(tmp_path / "a"), "state": "absent"})
    assert r["changed"] and not (tmp_path / "a").exists()
    assert call("file", {"path": str(tmp_path / "a"), "state": "absent"})["changed"] is False


def test_file_recurse(tmp_path: Path):
    (tmp_path / "r" / "s").mkdir(parents=True)
    (tmp_path / "r" / "s" / "f").write_text("")
    r = call("file", {"path": str(tmp_path / "r"), "state": "directory", "mode": "u=rwX,go=", "recurse": True})
    assert r["changed"] and mode_of(tmp_path / "r" / "s") == 0o700 and mode_of(tmp_path / "r" / "s" / "f") == 0o600
    assert call("file", {"path": str(tmp_path / "r"), "mode": "u=rwX,go=", "recurse": True})["changed"] is False
    assert call("file", {"path": str(tmp_path / "x"), "state": "file", "recurse": True})["failed"]


def test_file_links(tmp_path: Path):
    target = tmp_path / "target"
    target.write_text("t")
    link = tmp_path / "link"
    assert call("file", {"path": str(link), "src": str(target), "state": "link"}, check=True)["changed"]
    assert not os.path.lexists(link)
    assert call("file", {"path": str(link), "src": str(target), "state": "link"})["changed"]
    assert os.readlink(link) == str(target)
    assert call("file", {"path": str(link), "src": str(target), "state": "link"})["changed"] is False
    r = call("file", {"path": str(tmp_path / "dangling"), "src": "nowhere", "state": "link"})
    assert r["failed"] and "force=yes" in r["msg"]
    assert call("file", {"path": str(tmp_path / "dangling"), "src": "nowhere", "state": "link", "force": True})["changed"]
    r = call("file", {"path": str(target), "src": str(link), "state": "link"})
    assert r["failed"] and "refusing to convert" in r["msg"]
    hard = tmp_path / "hard"
    assert call("file", {"path": str(hard), "src": str(target), "state": "hard"})["changed"]
    assert os.stat(hard).st_ino == os.stat(target).st_ino
    assert call("file", {"path": str(hard), "src": str(target), "state": "hard"})["changed"] is False


def test_file_failures(tmp_path: Path):
    r = call("file", {"path": str(tmp_path / "nope"), "state": "file"})
    assert r["failed"] and r["msg"] == "file (%s) is absent, cannot continue" % (tmp_path / "nope")
    (tmp_path / "f").write_text("")
    assert "already exists as a file" in call("file", {"path": str(tmp_path / "f"), "state": "directory"})["msg"]
    with pytest.raises(ArgumentError):
        call("file", {"path": str(tmp_path), "state": "weird"})
    assert call("file", {"path": str(tmp_path / "f"), "owner": "no-such-user-xyz"})["failed"]


# -- stat -----------------------------------------------------------------------------

def test_stat_keys(tmp_path: Path):
    f = tmp_path / "f"
    f.write_text("abc")
    f.chmod(0o640)
    s = call("stat", {"path": str(f)})["stat"]
    assert s["exists"] and s["isreg"] and not s["isdir"] and s["mode"] == "0640"
    assert s["checksum"] == hashlib.sha1(b"abc").hexdigest() and s["size"] == 3
    assert s["rusr"] and s["wusr"] and s["rgrp"] and not s["roth"] and s["pw_name"]
    s = call("stat", {"path": str(f), "checksum_algorithm": "sha256", "get_checksum": True})["stat"]
    assert s["checksum"] == hashlib.sha256(b"abc").hexdigest()
    os.symlink(str(f), str(tmp_path / "l"))
    s = call("stat", {"path": str(tmp_path / "l")})["stat"]
    assert s["islnk"] and s["lnk_target"] == str(f)
    assert call("stat", {"path": str(tmp_path / "l"), "follow": True})["stat"]["isreg"]
    assert call("stat", {"path": str(tmp_path / "missing")}) == {"changed": False, "failed": False, "stat": {"exists": False}}


# -- lineinfile -----------------------------------------------------------------------

def test_lineinfile_add_replace_noop_remove(tmp_path: Path):
    f = tmp_path / "conf"
    f.write_text("a=1\nb=2\n")
    assert call("lineinfile", {"path": str(f), "line": "c=3"})["msg"] == "line added"
    assert call("lineinfile", {"path": str(f), "line": "c=3"})["changed"] is False
    r = call("lineinfile", {"path": str(f), "regexp": "^b=", "line": "b=20"})
    assert r["msg"] == "line replaced" and f.read_text() == "a=1\nb=20\nc=3\n"
    call("lineinfile", {"path": str(f), "line": "first", "insertbefore": "BOF"})
    call("lineinfile", {"path": str(f), "line": "after-a", "insertafter": "^a="})
    call("lineinfile", {"path": str(f), "line": "before-c", "insertbefore": "^c="})
    assert f.read_text() == "first\na=1\nafter-a\nb=20\nbefore-c\nc=3\n"
    r = call("lineinfile", {"path": str(f), "regexp": "^(a|b)=", "state": "absent"})
    assert r["msg"] == "2 line(s) removed" and "a=1" not in f.read_text()


def test_lineinfile_backrefs_create_check(tmp_path: Path):
    f = tmp_path / "conf"
    f.write_text("port = 80\n")
    r = call("lineinfile", {"path": str(f), "regexp": r"^port = (\d+)", "line": r"port = \g<1>80", "backrefs": True})
    assert r["changed"] and f.read_text() == "port = 8080\n"
    r = call("lineinfile", {"path": str(f), "regexp": "^nomatch", "line": "x", "backrefs": True})
    assert r["changed"] is False
    r = call("lineinfile", {"path": str(f), "line": "new"}, check=True)
    assert r["changed"] and r["diff"]["after"].endswith("new\n") and "new" not in f.read_text()
    new = tmp_path / "sub" / "new.conf"
    assert call("lineinfile", {"path": str(new), "line": "x"})["failed"]
    assert call("lineinfile", {"path": str(new), "line": "x", "create": True, "mode": "0600"})["changed"]
    assert new.read_text() == "x\n" and mode_of(new) == 0o600
    r = call("lineinfile", {"path": str(f), "line": "y", "backup": True})
    assert Path(r["backup"]).read_text() == "port = 8080\n"
    with pytest.raises(ArgumentError):
        call("lineinfile", {"path": str(f), "line": "x", "insertafter": "a", "insertbefore": "b"})
    assert call("lineinfile", {"path": str(f)})["failed"]  # present needs line


# -- slurp, fetch, template -------------------------------------------------------------

def test_slurp_and_fetch(tmp_path: Path):
    f = tmp_path / "data"
    f.write_bytes(b"\0binary\n")
    r = call("slurp", {"src": str(f)})
    assert base64.b64decode(r["content"]) == b"\0binary\n" and r["encoding"] == "base64"
    assert call("slurp", {"src": str(tmp_path / "nope")})["failed"]
    r = call("fetch", {"src": str(f), "dest": "/tmp/x"})
    assert r == {"changed": False, "failed": False, "remote_path": str(f), "file": str(f), "exists": True,
                 "checksum": hashlib.sha1(b"\0binary\n").hexdigest(), "size": 8}
    assert call("fetch", {"src": str(tmp_path / "nope"), "dest": "/tmp/x"})["failed"]
    r = call("fetch", {"src": str(tmp_path / "nope"), "dest": "/tmp/x", "fail_on_missing": False})
    assert not r["failed"] and r["exists"] is False
    assert call("fetch", {"src": str(tmp_path), "dest": "/tmp/x"})["failed"]


def test_template_is_controller_side():
    r = call("template", {"src": "a.j2", "dest": "/tmp/a"})
    assert r["failed"] and "rendered on the controller" in r["msg"]
    with pytest.raises(ArgumentError):
        call("template", {"src": "a.j2"})


def test_copy_moves_an_upload_into_place_and_copies_anything_else(tmp_path: Path):
    """A file in the gate's private temp dir (a controller upload) is renamed onto dest,
    not written twice; a src elsewhere is never touched."""
    gate_tmp = tmp_path / "gate-tmp"
    gate_tmp.mkdir()
    upload = gate_tmp / "7-big.bin"
    upload.write_bytes(b"x" * 100_000)
    r = call("copy", {"src": str(upload), "dest": str(tmp_path / "a.bin"), "mode": "0640"}, tmpdir=str(gate_tmp))
    assert r["changed"] and not r["failed"] and r["checksum"] == hashlib.sha1(b"x" * 100_000).hexdigest()
    assert not upload.exists() and (tmp_path / "a.bin").read_bytes() == b"x" * 100_000
    assert oct((tmp_path / "a.bin").stat().st_mode & 0o777) == "0o640"
    elsewhere = tmp_path / "src.bin"
    elsewhere.write_bytes(b"y" * 10)
    r = call("copy", {"src": str(elsewhere), "dest": str(tmp_path / "b.bin")}, tmpdir=str(gate_tmp))
    assert r["changed"] and elsewhere.read_bytes() == b"y" * 10 and (tmp_path / "b.bin").read_bytes() == b"y" * 10
    # unchanged content: the upload stays where it is (the gate removes its temp dir)
    upload.write_bytes(b"x" * 100_000)
    r = call("copy", {"src": str(upload), "dest": str(tmp_path / "a.bin")}, tmpdir=str(gate_tmp))
    assert not r["changed"] and upload.exists()
