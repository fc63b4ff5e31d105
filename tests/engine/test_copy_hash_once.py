"""Copy hashes each file once (issue 15 review of issue 17's "hash once").

Controller: a digest is kept per file version (device, inode, size, mtime, ctime,
checked again after the read) once its last change lies a clock tick before the read,
so a file written a moment ago is hashed once, not on every call (the old rule re-hashed
anything younger than 2 s), and a rewrite that puts the old mtime back is still a new
version. Host: the ``copy`` module reads a host ``src`` once; a tree copy's unchanged file
costs one module call and one read of the host's file (it was a stat with checksum plus a
copy hashing the same file twice more).
"""

from __future__ import annotations

import asyncio
import builtins
import hashlib
import os
import time
from collections import Counter
from pathlib import Path
from typing import Any

from ftltui.engine import checksum
from ftltui.engine.executor import Executor
from ftltui.engine.local import LocalRunner
from ftltui.inventory import load_inventory
from ftltui.modules import _files, load
from ftltui.modules import copy as copy_module
from ftltui.modules.base import ModuleContext, validate_args

TICK = 0.15  # seconds: more than checksum.RACY_NS since the file's last change


def _counting_hash(monkeypatch: Any) -> list[str]:
    calls: list[str] = []
    real = checksum._hash

    def counted(path: Any, algorithm: str) -> str:
        calls.append(algorithm)
        return real(path, algorithm)

    monkeypatch.setattr(checksum, "_hash", counted)
    return calls


def test_a_file_written_a_moment_ago_is_hashed_once(tmp_path: Path, monkeypatch: Any) -> None:
    f = tmp_path / "fresh.bin"
    f.write_bytes(b"fresh" * 1000)
    time.sleep(TICK)  # written well under 2 s ago
    calls = _counting_hash(monkeypatch)
    want = hashlib.sha1(f.read_bytes()).hexdigest()
    assert [checksum.file_digest(f)[1] for _ in range(3)] == [want] * 3

    async def many() -> list[tuple[int, str]]:
        return list(await asyncio.gather(*(checksum.file_digest_async(f) for _ in range(4))))

    assert asyncio.run(many()) == [(5000, want)] * 4
    assert calls == ["sha1"]


def test_sha1_and_md5_come_from_one_read_and_are_then_cached_each(tmp_path: Path, monkeypatch: Any) -> None:
    f = tmp_path / "both.bin"
    f.write_bytes(bytes(range(256)) * 300)
    time.sleep(TICK)
    calls = _counting_hash(monkeypatch)
    data = f.read_bytes()
    assert asyncio.run(checksum.file_sums_async(f)) == \
        (len(data), hashlib.sha1(data).hexdigest(), hashlib.md5(data).hexdigest())
    assert checksum.file_digest(f, "sha1")[1] == hashlib.sha1(data).hexdigest()
    assert asyncio.run(checksum.file_digest_async(f, "md5"))[1] == hashlib.md5(data).hexdigest()
    assert calls == ["sha1+md5"]


def test_a_rewrite_that_puts_the_old_mtime_back_is_a_new_version(tmp_path: Path) -> None:
    f = tmp_path / "restored.txt"
    f.write_bytes(b"aaaa")
    old = time.time_ns() - 10_000_000_000
    os.utime(f, ns=(old, old))
    time.sleep(TICK)
    assert checksum.file_digest(f)[1] == hashlib.sha1(b"aaaa").hexdigest()
    f.write_bytes(b"bbbb")  # same inode, same size, and the same mtime put back (cp -p, tar x)
    os.utime(f, ns=(old, old))
    assert checksum.file_digest(f)[1] == hashlib.sha1(b"bbbb").hexdigest()


def test_a_file_changing_while_hashed_is_not_kept(tmp_path: Path, monkeypatch: Any) -> None:
    f = tmp_path / "moving.txt"
    f.write_bytes(b"1111")
    time.sleep(TICK)
    real = checksum._hash

    def then_change(path: Any, algorithm: str) -> str:
        digest = real(path, algorithm)
        f.write_bytes(b"2222")  # after the read, before the re-stat
        return digest

    monkeypatch.setattr(checksum, "_hash", then_change)
    checksum.file_digest(f)
    monkeypatch.setattr(checksum, "_hash", real)
    assert checksum.file_digest(f)[1] == hashlib.sha1(b"2222").hexdigest()


def _counting_open(monkeypatch: Any) -> Counter[str]:
    opened: Counter[str] = Counter()

    def counted(path: Any, *a: Any, **kw: Any) -> Any:
        opened[str(path)] += 1
        return builtins.open(path, *a, **kw)

    for module in (copy_module, _files):
        monkeypatch.setattr(module, "open", counted, raising=False)
    return opened


def _copy(args: dict[str, Any]) -> dict[str, Any]:
    mod = load("copy")
    return mod.run(validate_args(mod.SPEC, args), ModuleContext(check=False, diff=False))


def test_remote_src_copy_reads_its_source_once(tmp_path: Path, monkeypatch: Any) -> None:
    src, dest = tmp_path / "host-src.txt", tmp_path / "dest.txt"
    data = b"a host file\n" * 100
    src.write_bytes(data)
    sums = {"checksum": hashlib.sha1(data).hexdigest(), "md5sum": hashlib.md5(data).hexdigest()}
    opened = _counting_open(monkeypatch)
    for changed in (True, False):  # written, then unchanged
        opened.clear()
        got = _copy({"src": str(src), "dest": str(dest), "remote_src": True})
        assert (got["changed"], got["checksum"], got["md5sum"]) == (changed, sums["checksum"], sums["md5sum"])
        assert opened[str(src)] == 1, opened
    assert dest.read_bytes() == data
    opened.clear()
    got = _copy({"src": str(dest), "dest": str(dest), "remote_src": True, "mode": "0600"})
    assert (got["changed"], got["md5sum"]) == (True, sums["md5sum"])  # onto itself: the mode only
    assert opened[str(dest)] == 1, opened
    assert (dest.stat().st_mode & 0o777, dest.read_bytes()) == (0o600, data)


async def test_an_unchanged_tree_file_costs_one_call_and_one_read(tmp_path: Path, local_inventory: Any,
                                                                  monkeypatch: Any) -> None:
    src, dest = tmp_path / "tree", tmp_path / "out"
    (src / "sub").mkdir(parents=True)
    (src / "a.txt").write_text("a\n")
    (src / "sub" / "b.txt").write_text("b\n" * 50)
    ex = Executor(load_inventory([str(local_inventory(1))]))
    modules_run: list[str] = []
    real_run = LocalRunner.run_module

    async def run_module(self: Any, host: Any, module: str, *a: Any, **kw: Any) -> dict[str, Any]:
        modules_run.append(module)
        return await real_run(self, host, module, *a, **kw)

    hashed: Counter[str] = Counter()
    real_checksum = _files.checksum

    def counted(path: str, algorithm: str = "sha1") -> str:
        hashed[os.path.relpath(path, dest)] += 1
        return real_checksum(path, algorithm)

    monkeypatch.setattr(LocalRunner, "run_module", run_module)
    monkeypatch.setattr(_files, "checksum", counted)
    args = {"src": f"{src}/", "dest": str(dest), "mode": "0640"}
    try:
        first = (await ex.run("l1", "copy", args)).results["l1"].result
        assert (first["changed"], first["dest"]) == (True, f"{dest}/")
        for mode, changed in (("0640", False), ("0600", True)):  # unchanged; the same bytes with a new mode
            modules_run.clear()
            hashed.clear()
            got = (await ex.run("l1", "copy", dict(args, mode=mode))).results["l1"].result
            assert (got["changed"], got.get("failed", False)) == (changed, False), got
            assert Counter(modules_run) == {"stat": 1, "file": 1, "copy": 2}, modules_run
            assert hashed == {"a.txt": 1, "sub/b.txt": 1}, hashed
            assert [(dest / n).stat().st_mode & 0o777 for n in ("a.txt", "sub/b.txt")] == [int(mode, 8)] * 2
        assert (dest / "sub" / "b.txt").read_text() == "b\n" * 50
    finally:
        await ex.close()
