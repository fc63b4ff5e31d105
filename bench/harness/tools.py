"""How each tool runs one workload: the command line, its input files, and its own verdict.

Every tool runs as a subprocess started fresh for each measured run. ``prepare`` writes
what the run needs (inventory, playbook or a JSON spec for a driver) into a scratch
directory outside the timed part; ``verdict`` reads the tool's own report of success.
The end state on the hosts is checked separately by the harness.
"""

from __future__ import annotations

import json
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.harness.bed import REPO, Bed
from bench.harness.procs import Measured
from bench.harness.workloads import Workload, render

DRIVERS = Path(__file__).resolve().parent / "drivers"
PEERS = REPO / "bench" / ".peers"
PROJECT_PY = os.path.realpath(sys.executable)  # not the pyenv shim: a shell script costs ~100 ms


@dataclass
class Prepared:
    argv: list[str]
    env: dict[str, str]
    cwd: str


class Tool:
    name = ""
    remote_only = False
    workflow_only = False

    def available(self) -> str | None:
        """None if the tool can run here, else why not."""
        return None

    def prepare(self, w: Workload, bed: Bed, run_dir: Path, work: Path) -> Prepared:
        raise NotImplementedError

    def verdict(self, w: Workload, m: Measured, hosts: list[str]) -> tuple[list[str], dict[str, Any]]:
        """(problems, extra figures) from the tool's own output."""
        return _driver_verdict(m)


def _driver_verdict(m: Measured) -> tuple[list[str], dict[str, Any]]:
    line = m.stdout.strip().splitlines()[-1] if m.stdout.strip() else ""
    try:
        rep = json.loads(line)
    except ValueError:
        return [f"exit {m.rc}, no report: {m.stderr.strip()[-400:]}"], {}
    problems = list(rep.get("problems", []))
    if m.rc != 0:
        problems.append(f"exit {m.rc}")
    extra = {k: rep[k] for k in ("inner", "steps", "import", "code") if k in rep}
    return problems, extra


def _spec_file(work: Path, spec: dict[str, Any]) -> str:
    p = work / "spec.json"
    p.write_text(json.dumps(spec))
    return str(p)


class Floor(Tool):
    name = "floor"
    remote_only = True

    def prepare(self, w: Workload, bed: Bed, run_dir: Path, work: Path) -> Prepared:
        hosts = [{"name": n, "address": bed.host(n).address, "port": bed.host(n).port, "user": bed.user,
                  "key": str(bed.bed.key)} for n in bed.names(w.hosts)]
        spec = _spec_file(work, {"hosts": hosts, "known_hosts": str(bed.bed.known_hosts)})
        return Prepared([PROJECT_PY, str(DRIVERS / "floor.py"), spec], dict(os.environ), str(work))


class FtlTui(Tool):
    name = "ftl-tui"
    src: str | None = None  # a snapshot of the package, so edits made during a run cannot leak in

    def prepare(self, w: Workload, bed: Bed, run_dir: Path, work: Path) -> Prepared:
        inv = bed.write_inventory(work / "inventory.yml", bed.names(w.hosts), local=w.local)
        steps = [[[m, render(a, str(run_dir))] for m, a in step] for step in w.steps]
        spec = _spec_file(work, {"inventory": str(inv), "steps": steps, "forks": max(w.hosts, 1),
                                 "n_hosts": 1 if w.local else w.hosts})
        env = dict(os.environ)
        if self.src:
            env["PYTHONPATH"] = self.src
        return Prepared([PROJECT_PY, str(DRIVERS / "ftltui_driver.py"), spec], env, str(work))


class FtlTuiPlay(Tool):
    """The workflow runner as operators use it: ``ftl-tui play`` (job queue, state dir, DAG)."""

    name = "ftl-tui play"
    workflow_only = True  # only for workloads with a fan-out (the DAG)
    src: str | None = None

    def prepare(self, w: Workload, bed: Bed, run_dir: Path, work: Path) -> Prepared:
        inv = bed.write_inventory(work / "inventory.yml", bed.names(w.hosts), local=w.local)
        steps, names = [], []
        for i, step in enumerate(w.steps):
            these = []
            for j, (m, a) in enumerate(step):
                name = f"s{i}t{j}_{m}"
                st: dict[str, Any] = {"name": name, "module": m, "args": render(a, str(run_dir))}
                if names:
                    st["depends_on"] = names[-1]
                steps.append(st)
                these.append(name)
            names.append(these)
        wf = {"name": w.key, "hosts": "all", "steps": steps}
        (work / "workflow.yml").write_text(json.dumps(wf, indent=1))  # JSON is YAML
        env = dict(os.environ)
        if self.src:
            env["PYTHONPATH"] = self.src
        argv = [PROJECT_PY, "-m", "ftltui", "play", str(work / "workflow.yml"), "-i", str(inv),
                "--state-dir", str(work / "state")]
        return Prepared(argv, env, str(work))

    def verdict(self, w: Workload, m: Measured, hosts: list[str]) -> tuple[list[str], dict[str, Any]]:
        if m.rc == 0:
            return [], {}
        return [f"exit {m.rc}: {(m.stdout + m.stderr).strip()[-400:]}"], {}


class Ftl2(Tool):
    name = "ftl2"
    python = PEERS / "ftl2" / "bin" / "python"

    def available(self) -> str | None:
        return None if self.python.exists() else "not run: no Python >= 3.13 virtualenv with ftl2"

    def prepare(self, w: Workload, bed: Bed, run_dir: Path, work: Path) -> Prepared:
        inv = bed.write_ftl2_inventory(work / "inventory.yml", bed.names(w.hosts))
        steps = [[[m, render(a, str(run_dir))] for m, a in step] for step in w.steps]
        # FTL2's native copy has no content=: give it a source file (written outside the timed part)
        for i, step in enumerate(steps):
            for m, a in step:
                if m == "copy" and "content" in a:
                    src = work / f"content-{i}"
                    src.write_text(a.pop("content"))
                    a["src"] = str(src)
        spec = _spec_file(work, {"inventory": str(inv), "steps": steps, "local": w.local})
        env = dict(os.environ, FTL2_TELEMETRY="off", HOME=str(bed.ftl2_home))
        return Prepared([str(self.python), str(DRIVERS / "ftl2_driver.py"), spec], env, str(work))


ANSIBLE_MODULES = {"ping": "ansible.builtin.ping", "command": "ansible.builtin.command",
                   "shell": "ansible.builtin.shell", "file": "ansible.builtin.file",
                   "copy": "ansible.builtin.copy", "facts": "ansible.builtin.setup"}
RECAP = re.compile(r"^(\S+)\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.M)


class Ansible(Tool):
    name = "ansible"
    bin = PEERS / "ansible" / "bin" / "ansible-playbook"

    def available(self) -> str | None:
        return None if self.bin.exists() else "not run: ansible virtualenv missing"

    def prepare(self, w: Workload, bed: Bed, run_dir: Path, work: Path) -> Prepared:
        inv = bed.write_inventory(work / "inventory.yml", bed.names(w.hosts), local=w.local)
        tasks = []
        for i, step in enumerate(w.steps):
            for j, (m, a) in enumerate(step):
                tasks.append({"name": f"s{i}t{j} {m}", ANSIBLE_MODULES.get(m, m): render(a, str(run_dir))})
        play = [{"name": w.key, "hosts": "localhost" if w.local else "all", "gather_facts": False, "tasks": tasks}]
        (work / "play.yml").write_text(json.dumps(play, indent=1))
        cp = work / "cp"  # a fresh ControlPath directory: no persistent connection carries over
        cp.mkdir()
        (work / "ansible.cfg").write_text("\n".join([
            "[defaults]", f"inventory = {inv}", f"forks = {max(w.hosts, 1)}", "host_key_checking = True",
            "gathering = explicit", "retry_files_enabled = False", "interpreter_python = /usr/bin/python3",
            "nocows = 1", "", "[ssh_connection]", "pipelining = True", f"control_path_dir = {cp}", ""]))
        env = dict(os.environ, ANSIBLE_CONFIG=str(work / "ansible.cfg"), ANSIBLE_NOCOLOR="1",
                   ANSIBLE_FORCE_COLOR="0", PATH=f"{self.bin.parent}:{os.environ.get('PATH', '')}")
        return Prepared([str(self.bin), str(work / "play.yml")], env, str(work))

    def verdict(self, w: Workload, m: Measured, hosts: list[str]) -> tuple[list[str], dict[str, Any]]:
        problems = [] if m.rc == 0 else [f"exit {m.rc}: {m.stdout.strip()[-300:]} {m.stderr.strip()[-300:]}"]
        seen = {}
        for name, ok, _changed, unreach, failed in RECAP.findall(m.stdout):
            seen[name] = (int(ok), int(unreach), int(failed))
        want = ["localhost"] if w.local else hosts
        for h in want:
            got = seen.get(h)
            if got is None:
                problems.append(f"{h}: not in PLAY RECAP")
            elif got != (w.n_tasks, 0, 0):
                problems.append(f"{h}: recap ok/unreachable/failed = {got}, want ({w.n_tasks}, 0, 0)")
        return problems, {}


ALL_TOOLS: dict[str, Tool] = {t.name: t for t in (Floor(), FtlTui(), FtlTuiPlay(), Ansible(), Ftl2())}
