"""The gate reads bundle zips without :mod:`zipfile` and gives module children the caller's environment.

Speed is measured in bench/ (``python -m bench --ansible-modules``); these tests pin what the
faster paths must keep: the host-side reader (ftltui/gate/ansible_zip.py) returns exactly
what ``zipfile`` returns for real bundles, hands every zip it does not handle (a comment,
stored members, a damaged member) to ``zipfile``, and a gate installs a bundle without
importing ``zipfile`` at all; a module child's ``os.environ`` ends equal to the calling
gate's environment when only the differing variables are touched.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from ftltui.gate import ansible_zip

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(shutil.which("ansible") is None, reason="no ansible")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str, str]:
    """The real base and module zips of community.general.ini_file, as the controller ships them."""
    from ftltui.ansible_modules import bundle
    from ftltui.ansible_modules.run import ansible_spec

    spec = ansible_spec("community.general.ini_file")
    assert spec is not None
    b = bundle.build(spec.name, spec.path)
    assert b.base is not None
    root = tmp_path_factory.mktemp("zipread")
    base, mod = root / "base.zip", root / "module.zip"
    base.write_bytes(b.base.data)
    mod.write_bytes(b.module.data)
    return base, mod, b.base.digest, b.module.digest


def _zipfile_view(path: Path) -> tuple[list[str], dict[str, bytes], dict[str, int]]:
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        return names, {n: zf.read(n) for n in names}, {i.filename: i.file_size for i in zf.infolist()}


def test_reader_matches_zipfile_on_real_bundles(built: tuple[Path, Path, str, str]) -> None:
    for path in built[:2]:
        names, content, sizes = _zipfile_view(path)
        assert any(n.endswith(".pyc") for n in names)  # the case the skip is for
        assert ansible_zip.members(str(path)) == (names, content)
        assert ansible_zip.members(str(path), skip=".pyc") == (
            names, {n: d for n, d in content.items() if not n.endswith(".pyc")})
        assert ansible_zip.sizes(str(path)) == sizes


def _rewrite(src: Path, dst: Path, *, comment: bytes = b"", stored: bool = False) -> None:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
            zout.writestr(info, data)
        zout.comment = comment


def test_zips_it_does_not_handle_go_to_zipfile(built: tuple[Path, Path, str, str], tmp_path: Path) -> None:
    mod = built[1]
    stored = tmp_path / "stored.zip"
    _rewrite(mod, stored, stored=True)
    assert ansible_zip.members(str(stored))[1] == _zipfile_view(stored)[1]  # stored members: read here
    commented = tmp_path / "comment.zip"
    _rewrite(mod, commented, comment=b"made elsewhere")
    with pytest.raises(ansible_zip.NotSimple):
        ansible_zip.members(str(commented))
    names, content, sizes = _zipfile_view(commented)
    assert ansible_zip.read_members(str(commented)) == (names, content)  # zipfile read it
    assert ansible_zip.read_sizes(str(commented)) == sizes
    # a damaged member (its bytes changed, its CRC not): refused here, and zipfile says why
    damaged = tmp_path / "damaged.zip"
    data = bytearray(stored.read_bytes())
    with zipfile.ZipFile(stored) as zf:
        info = zf.infolist()[-1]
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    data[start] ^= 0xFF
    damaged.write_bytes(bytes(data))
    with pytest.raises(ansible_zip.NotSimple):
        ansible_zip.members(str(damaged))
    with pytest.raises(zipfile.BadZipFile):
        ansible_zip.read_members(str(damaged))


INSTALL = """
import json, sys
sys.path.insert(0, sys.argv[1])
from ftltui.gate.ansible_exec import AnsibleRunner
r = AnsibleRunner(sys.argv[2])
r.root = sys.argv[2]
got = [r.install(d, p) for d, p in json.loads(sys.argv[3])]
print(json.dumps({"zipfile": "zipfile" in sys.modules, "installed": got, "missing": r.missing(
    [d for d, _ in json.loads(sys.argv[3])])}))
"""


def test_a_gate_installs_bundles_without_importing_zipfile(built: tuple[Path, Path, str, str],
                                                           tmp_path: Path) -> None:
    base, mod, base_digest, mod_digest = built
    cache = tmp_path / "cache"
    cache.mkdir(mode=0o700)
    uploads = []
    for path, digest in ((base, base_digest), (mod, mod_digest)):
        up = tmp_path / f"bundle-{digest}.zip"
        shutil.copy(path, up)
        uploads.append((digest, str(up)))
    # -S as the gate runs: nothing beyond the stdlib and the gate's own files
    p = subprocess.run([sys.executable, "-S", "-c", INSTALL, str(REPO), str(cache), json.dumps(uploads)],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert out["zipfile"] is False and out["missing"] == []
    assert out["installed"] == [str(cache / f"ab-{base_digest}.zip"), str(cache / f"ab-{mod_digest}.zip")]
    assert (cache / f"ab-{base_digest}.zip").read_bytes() == base.read_bytes()  # kept as it came


def test_a_bundle_whose_sources_do_not_match_its_name_is_still_refused(built: tuple[Path, Path, str, str],
                                                                       tmp_path: Path) -> None:
    from ftltui.gate.ansible_exec import AnsibleRunner

    mod = built[1]
    other = tmp_path / "other.zip"
    with zipfile.ZipFile(mod) as zin, zipfile.ZipFile(other, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            zout.writestr(info, data + b"\n# changed\n" if info.filename.endswith("ini_file.py") else data)
    r = AnsibleRunner(str(tmp_path))
    r.root = str(tmp_path / "cache")
    os.makedirs(r.root)
    with pytest.raises(ValueError, match="does not match its name"):
        r.install(built[3], str(other))
    assert r.missing([built[3]]) == [built[3]]


ENVIRON = """
import json, os, sys
sys.path.insert(0, sys.argv[1])
from ftltui.gate.ansible_child import _replace_environ
os.environ.update(FTL_KEEP="same", FTL_DROP="x", FTL_CHANGE="old")
want = {k: v for k, v in os.environ.items() if k != "FTL_DROP"}
want.update(FTL_CHANGE="new", FTL_ADD="added")
_replace_environ(want)
import subprocess
seen = subprocess.run(["env", "-0"], capture_output=True).stdout.decode().split("\\0")
print(json.dumps({"environ": dict(os.environ) == want,
                  "exec": dict(x.split("=", 1) for x in seen if x) == want}))
"""


def test_module_child_environment_equals_the_callers() -> None:
    p = subprocess.run([sys.executable, "-S", "-c", ENVIRON, str(REPO)], capture_output=True, text=True,
                       timeout=60)
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout) == {"environ": True, "exec": True}
