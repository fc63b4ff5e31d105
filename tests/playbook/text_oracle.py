"""ansible-playbook's text beside ftl-tui's for one playbook on local hosts: both print
stdout and stderr into one stream (warnings in place, as ``2>&1`` shows them), one fork so
the order is the same on both sides; each writes under its own ``out`` directory."""

from __future__ import annotations

import asyncio
import io
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from ftltui.engine.executor import Executor
from ftltui.inventory.loader import load_inventory
from ftltui.playbook.loader import load_playbook
from ftltui.playbook.options import PlayOptions
from ftltui.playbook.output_text import TextOutput
from ftltui.playbook.runner import run_playbook


def inventory(tmp: Path, hosts: dict[str, str]) -> Path:
    """Local hosts, each with its own extra ``k=v`` words."""
    inv = tmp / "hosts.ini"
    local = f"ansible_connection=local ansible_python_interpreter={sys.executable}"
    inv.write_text("".join(f"{h} {local} {extra}\n" for h, extra in hosts.items()))
    return inv


def ansible_text(playbook: Path, inv: Path, out: Path, *args: str) -> tuple[int, str]:
    env = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_RETRY_FILES_ENABLED="0", ANSIBLE_LOCALHOST_WARNING="0",
               ANSIBLE_DEPRECATION_WARNINGS="0", ANSIBLE_FORKS="1")
    proc = subprocess.run(["ansible-playbook", "-i", str(inv), "-e", f"out={out}", *args, str(playbook)],
                          check=False, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
                          cwd=str(playbook.parent), timeout=240, stdin=subprocess.DEVNULL)
    return proc.returncode, proc.stdout


def ftl_text(playbook: Path, inv: Path, out: Path, options: PlayOptions | None = None) -> tuple[int, str]:
    options = options or PlayOptions()
    options.forks = 1
    options.extra_vars = {**options.extra_vars, "out": str(out)}
    buf = io.StringIO()
    text = TextOutput(buf, buf, colour=False, width=80, verbosity=options.verbosity)

    async def go() -> Any:
        ex = Executor(load_inventory([str(inv)]), forks=1, base_dir=str(playbook.parent))
        try:
            return await run_playbook(load_playbook(playbook), ex, options, text)
        finally:
            await ex.close()

    return asyncio.run(go()).exit_code, buf.getvalue()


def from_play(text: str, out: Path | None = None) -> list[str]:
    """The lines from the first ``PLAY [`` on, trailing blanks removed (``out``, the side's
    output directory, written ``OUT``)."""
    lines = (text.replace(str(out), "OUT") if out else text).splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("PLAY ["))
    return [line.rstrip() for line in lines[start:]]


def both(playbook: Path, inv: Path, tmp: Path) -> tuple[int, str, int, str]:
    """ansible-playbook's run then ftl-tui's, each writing under its own ``tmp/ansible`` or
    ``tmp/ftl``: (ansible's exit, its text, ftl-tui's exit, its text)."""
    for side in ("ansible", "ftl"):
        (tmp / side).mkdir()
    a_rc, a_text = ansible_text(playbook, inv, tmp / "ansible")
    f_rc, f_text = ftl_text(playbook, inv, tmp / "ftl")
    return a_rc, a_text, f_rc, f_text
