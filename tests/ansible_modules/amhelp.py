"""Helpers for the Ansible-module run tests: the oracle (`ansible` ad hoc) and ftl-tui's executor."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ftltui.engine.executor import Executor
from ftltui.inventory.model import Host

# what both sides report that is not about the outcome
NOISE = {"invocation", "_ansible_no_log", "action", "warnings", "deprecations", "failed", "changed", "diff",
         "exception", "_ansible_parsed", "ansible_facts"}


def ansible(module: str, args: dict[str, Any], *, check: bool = False, env: dict[str, str] | None = None
            ) -> dict[str, Any]:
    """One host result of `ansible localhost -m MODULE` on the local connection (JSON callback)."""
    e = dict(os.environ, ANSIBLE_LOAD_CALLBACK_PLUGINS="1", ANSIBLE_STDOUT_CALLBACK="json",
             ANSIBLE_LOCALHOST_WARNING="0", **(env or {}))
    cmd = ["ansible", "localhost", "-i", "localhost,", "-c", "local", "-e",
           f"ansible_python_interpreter={sys.executable}", "-m", module, "-a", json.dumps(args), "-D"]
    if check:
        cmd.append("-C")
    p = subprocess.run(cmd, env=e, capture_output=True, text=True, timeout=120)
    try:
        return json.loads(p.stdout)["plays"][0]["tasks"][0]["hosts"]["localhost"]
    except (ValueError, KeyError, IndexError):
        raise AssertionError(f"ansible gave no result: {p.stdout[-2000:]} {p.stderr[-2000:]}") from None


def copy_source_tree(root: Path) -> None:
    """The controller directory the copy tests copy: a file, an empty directory and a
    file two levels down with its own mode (0600)."""
    (root / "sub" / "deeper").mkdir(parents=True)
    (root / "empty").mkdir()
    (root / "a.txt").write_text("a\n")
    (root / "sub" / "deeper" / "c.txt").write_text("c\n")
    (root / "sub" / "deeper" / "c.txt").chmod(0o600)


@contextmanager
def fake_collection(root: Path, name: str, modules: dict[str, str],
                    utils: dict[str, str] | None = None) -> Iterator[Path]:
    """Collection ``ftl.<name>`` under ``root`` with these ``modules`` (file name -> source) and
    ``utils`` (its module_utils), on ``ANSIBLE_COLLECTIONS_PATH`` while open (the gates read
    it from this process's environment, so a module-scoped fixture cannot use monkeypatch).
    Yields its ``plugins/modules`` directory."""
    mods = root / "ansible_collections" / "ftl" / name / "plugins" / "modules"
    mods.mkdir(parents=True)
    for file, source in modules.items():
        (mods / file).write_text(source)
    if utils:
        (mods.parent / "module_utils").mkdir()
        for file, source in utils.items():
            (mods.parent / "module_utils" / file).write_text(source)
    old = os.environ.get("ANSIBLE_COLLECTIONS_PATH")
    os.environ["ANSIBLE_COLLECTIONS_PATH"] = str(root)
    try:
        yield mods
    finally:
        if old is None:
            os.environ.pop("ANSIBLE_COLLECTIONS_PATH", None)
        else:
            os.environ["ANSIBLE_COLLECTIONS_PATH"] = old


class Inv:
    """A one-host inventory: localhost on the local connection with this Python."""

    vault = None  # the engine's HostSource: no keyring, every pattern matches
    last_unmatched: tuple[str, ...] = ()

    def __init__(self, **vars: Any) -> None:
        self.hosts = [Host(name="localhost", vars={"ansible_connection": "local",
                                                   "ansible_python_interpreter": sys.executable, **vars})]

    def select(self, pattern: Any) -> list[Host]:
        return self.hosts


class Ftl:
    """An executor on its own event loop, kept across runs (its gates live as long as it does)."""

    def __init__(self, **vars: Any) -> None:
        self.loop = asyncio.new_event_loop()
        self.executor = Executor(Inv(**vars))

    def close(self) -> None:
        self.loop.run_until_complete(self.executor.close())
        self.loop.close()


def ftl(f: Ftl, module: str, args: dict[str, Any], *, check: bool = False,
        timeout: float | None = None) -> tuple[str, dict[str, Any]]:
    """(status, result) of one run on localhost."""
    res = f.loop.run_until_complete(f.executor.run("localhost", module, args, check=check, timeout=timeout))
    hr = res.results["localhost"]
    return hr.status, hr.result


def outcome(result: dict[str, Any]) -> dict[str, Any]:
    """The fields that must agree: changed, failed, skipped, and every module field."""
    out = {k: v for k, v in result.items() if k not in NOISE}
    out["changed"] = bool(result.get("changed"))
    out["failed"] = bool(result.get("failed"))
    return out
