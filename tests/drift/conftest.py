"""Fixtures for the drift tests: a fake host root under tmp, local inventories, the CLI."""

from __future__ import annotations

import io
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any, Callable

import pytest
import yaml

from drift_helpers import make_root

from ftltui.cli import main

@pytest.fixture
def host_root(tmp_path: Path) -> Path:
    return make_root(tmp_path)


@pytest.fixture
def local_inv(tmp_path: Path) -> Callable[..., Path]:
    """Write an inventory of local hosts; every host gets its own fake root under tmp."""

    def make(names: list[str], *, sections: list[str] | None = None, real_proc: bool = False,
             shared_root: Path | None = None) -> Path:
        hosts: dict[str, Any] = {}
        for n in names:
            root = shared_root or make_root(tmp_path / n, real_proc=real_proc)
            hosts[n] = {"ftl_drift_root": str(root), "ftl_drift_service_states": "/etc/ftl-services"}
        gvars: dict[str, Any] = {"ansible_connection": "local"}
        if sections:
            gvars["ftl_drift_sections"] = sections
        inv = {"all": {"vars": gvars, "children": {"web": {"hosts": hosts}}}}
        path = tmp_path / "inv.yml"
        path.write_text(yaml.safe_dump(inv))
        return path

    return make


class CliResult:
    def __init__(self, rc: int, out: str, err: str) -> None:
        self.rc, self.out, self.err = rc, out, err


@pytest.fixture
def cli(tmp_path: Path) -> Callable[..., CliResult]:
    """Run ``ftl-tui`` in-process with a private state dir; returns rc, stdout, stderr."""
    state = tmp_path / "state"

    def run(*argv: str) -> CliResult:
        out, err = io.StringIO(), io.StringIO()
        with redirect_stdout(out), redirect_stderr(err):
            rc = main(["--state-dir", str(state), *argv])
        return CliResult(rc, out.getvalue(), err.getvalue())

    run.state = state  # type: ignore[attr-defined]
    return run
