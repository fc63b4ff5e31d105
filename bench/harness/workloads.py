"""The six workloads of issue 7, as tool-neutral data.

A workload is a list of *steps*; a step is a list of tasks that may run at the same
time (a fan-out); steps run in order. Each task is ``(module, args)`` with Ansible
argument names. ``{dir}`` in an argument is the run's fresh directory and
``{{ inventory_hostname }}`` the host's name, so every host writes its own files on the
shared filesystem. ``expect`` maps a file to its expected content (``bytes``) or
``None`` (exists, empty) for the end-state check after the timed part.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

HOST = "{{ inventory_hostname }}"
Task = tuple[str, dict[str, Any]]


@dataclass
class Workload:
    key: str
    title: str
    hosts: int
    steps: list[list[Task]]
    local: bool = False
    # (run_dir, host names) -> {path: expected bytes | sha256 hex str | None}
    expect: Callable[[Path, list[str]], dict[Path, Any]] = lambda d, hs: {}
    # command tasks whose stdout must be this (checked by the drivers)
    stdout: dict[int, str] = field(default_factory=dict)
    note: str = ""
    skip: dict[str, str] = field(default_factory=dict)  # tool -> why it is not run here

    @property
    def n_tasks(self) -> int:
        return sum(len(s) for s in self.steps)


def _linear(tasks: list[Task]) -> list[list[Task]]:
    return [[t] for t in tasks]


def three_tasks(n: int) -> Workload:
    return Workload(
        f"w1-{n}", f"3 tasks (ping, command, file touch) on {n} host{'s' if n > 1 else ''}", n,
        _linear([("ping", {}), ("command", {"cmd": "echo hello"}),
                 ("file", {"path": f"{{dir}}/{HOST}.touched", "state": "touch"})]),
        expect=lambda d, hs: {d / f"{h}.touched": b"" for h in hs},
    )


def commands(n_tasks: int, n: int) -> Workload:
    return Workload(
        f"w2-{n_tasks}x{n}", f"{n_tasks} command task{'s' if n_tasks > 1 else ''} on {n} hosts", n,
        _linear([("command", {"cmd": f"echo task{i}"}) for i in range(n_tasks)]),
    )


def local_files(n_ops: int = 30) -> Workload:
    k = n_ops // 3
    tasks: list[Task] = [("file", {"path": f"{{dir}}/d{i}", "state": "directory"}) for i in range(k)]
    tasks += [("copy", {"content": f"line {i}\n", "dest": f"{{dir}}/d{i}/f"}) for i in range(k)]
    tasks += [("file", {"path": f"{{dir}}/d{i}/t", "state": "touch"}) for i in range(k)]

    def expect(d: Path, hs: list[str]) -> dict[Path, Any]:
        out: dict[Path, Any] = {d / f"d{i}/f": f"line {i}\n".encode() for i in range(k)}
        out.update({d / f"d{i}/t": b"" for i in range(k)})
        return out

    return Workload("w3", f"{n_ops} local file operations (connection=local)", 1, _linear(tasks),
                    local=True, expect=expect)


def big_file(path: Path, size_mb: int = 20) -> str:
    """A fixed pseudo-random file (incompressible), created once; returns its sha256."""
    if not path.exists() or path.stat().st_size != size_mb << 20:
        rnd = random.Random(7)
        with open(path, "wb") as f:
            for _ in range(size_mb):
                f.write(rnd.randbytes(1 << 20))
    return hashlib.sha256(path.read_bytes()).hexdigest()


def copy_big(n: int, src: Path, size_mb: int) -> Workload:
    digest = big_file(src, size_mb)
    return Workload(
        f"w4-{n}", f"copy of a {size_mb} MB file to {n} hosts", n,
        _linear([("copy", {"src": str(src), "dest": f"{{dir}}/{HOST}.bin"})]),
        expect=lambda d, hs: {d / f"{h}.bin": digest for h in hs},
    )


def facts(n: int) -> Workload:
    return Workload(f"w5-{n}", f"facts on {n} hosts", n, _linear([("facts", {})]),
                    note="ansible: setup module (its default subset); ftl-tui: facts.",
                    skip={"ftl2": "FTL2 0.4.7's remote setup crashes on every host (ImportError: attempted "
                                  "relative import with no known parent package; seen in the smoke run)"})


def hostname_text() -> bytes:
    return Path("/etc/hostname").read_bytes()


def dag(n: int) -> Workload:
    """prepare -> (b, c, d in parallel) -> join: a 5-step fan-out/fan-in workflow."""
    d = f"{{dir}}/{HOST}.d"
    steps: list[list[Task]] = [
        [("file", {"path": d, "state": "directory"})],
        [("copy", {"content": "b\n", "dest": f"{d}/b"}),
         ("command", {"cmd": f"cp /etc/hostname {d}/c"}),
         ("file", {"path": f"{d}/d", "state": "touch"})],
        [("shell", {"cmd": f"cat {d}/b {d}/c > {d}/e"})],
    ]

    def expect(rd: Path, hs: list[str]) -> dict[Path, Any]:
        out: dict[Path, Any] = {}
        for h in hs:
            out[rd / f"{h}.d" / "e"] = b"b\n" + hostname_text()
            out[rd / f"{h}.d" / "d"] = b""
        return out

    return Workload(f"w6-{n}", f"5-step fan-out/fan-in workflow on {n} hosts", n, steps, expect=expect,
                    note="ansible runs the 5 tasks in order (no parallel tasks in a play)")


def all_workloads(quick: bool, scratch: Path) -> list[Workload]:
    src = scratch / "big.bin"
    if quick:
        return [three_tasks(1), three_tasks(5), commands(1, 3), commands(20, 3), local_files(),
                copy_big(3, src, 5), facts(5), dag(5)]
    return [three_tasks(1), three_tasks(10), three_tasks(50), commands(1, 10), commands(20, 10), local_files(),
            copy_big(10, src, 20), facts(50), dag(20)]


def render(value: Any, run_dir: str, host: str | None = None) -> Any:
    """Substitute ``{dir}`` (and the host name, for tools that do not template)."""
    if isinstance(value, str):
        value = value.replace("{dir}", run_dir)
        return value.replace(HOST, host) if host is not None else value
    if isinstance(value, dict):
        return {k: render(v, run_dir, host) for k, v in value.items()}
    if isinstance(value, list):
        return [render(v, run_dir, host) for v in value]
    return value


def check_files(expect: dict[Path, Any]) -> list[str]:
    """Problems with the end state (empty list: all files exist with the right content)."""
    problems = []
    for path, want in expect.items():
        if not path.is_file():
            problems.append(f"{path}: missing")
            continue
        data = path.read_bytes()
        if isinstance(want, str):
            if hashlib.sha256(data).hexdigest() != want:
                problems.append(f"{path}: sha256 differs")
        elif (want or b"") != data:
            problems.append(f"{path}: content {data[:40]!r} != {(want or b'')[:40]!r}")
    return problems


__all__ = ["Workload", "all_workloads", "render", "check_files"]
