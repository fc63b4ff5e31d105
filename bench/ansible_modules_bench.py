"""``python -m bench --ansible-modules``: installed Ansible modules, ftl-tui vs ansible-playbook vs FTL2.

Issue 14's speed goals, measured side by side on the loopback SSH bed with the harness
of ``python -m bench`` (fresh subprocess per run, tools in alternation, every run
checked: the tool's own report and the files it wrote, which must equal what
ansible-playbook writes):

* the workload "5 collection-module tasks on 50 hosts": ``community.general.ini_file``
  x3, ``ansible.builtin.lineinfile`` (ftl-tui: forced to the Ansible implementation, as
  ``--ansible-module lineinfile`` does) and ``ansible.posix.sysctl`` (to a file of the run's;
  not applied). ``community.general.pam_limits`` was the first choice: FTL2 0.4.7 fails it on
  every host ("Object of type bytes is not JSON serializable"), so it could not be compared;
* ftl-tui's warm per host-task cost (one host, tasks in a row, median ms) and its first
  call on a host whose bundle cache is empty (upload included, gate already up).

All three tools read the same collections (``ANSIBLE_COLLECTIONS_PATH`` = the
``ansible`` package of this Python). Writes bench/RESULTS-ansible-modules.md (+ .json).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import importlib.util
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HOST = "{{ inventory_hostname }}"
KEY = "am-5x"


def collections_root() -> str:
    """The directory holding this Python's ``ansible_collections`` (the ``ansible`` package)."""
    spec = importlib.util.find_spec("ansible_collections")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("bench: the 'ansible' package (collections) is not installed in this Python")
    return str(Path(list(spec.submodule_search_locations)[0]).parent)


# what ansible-playbook 2.19 / community.general 11 write for these tasks (checked on every run)
INI = b"\n[db]\nport = 5432\nhost = db.example\n[app]\nworkers = 4\n"
CONF = b"listen 8080\n"
SYSCTL = b"net.core.somaxconn=4096\n"


def workload(n: int) -> Any:
    from bench.harness.workloads import Workload

    tasks = [
        ("community.general.ini_file", {"path": f"{{dir}}/{HOST}.ini", "section": "db", "option": "port",
                                        "value": "5432"}),
        ("community.general.ini_file", {"path": f"{{dir}}/{HOST}.ini", "section": "db", "option": "host",
                                        "value": "db.example"}),
        ("community.general.ini_file", {"path": f"{{dir}}/{HOST}.ini", "section": "app", "option": "workers",
                                        "value": "4"}),
        ("ansible.builtin.lineinfile", {"path": f"{{dir}}/{HOST}.conf", "line": "listen 8080", "create": True}),
        ("ansible.posix.sysctl", {"name": "net.core.somaxconn", "value": "4096", "sysctl_set": False,
                                  "reload": False, "sysctl_file": f"{{dir}}/{HOST}.sysctl"}),
    ]

    def expect(d: Path, hs: list[str]) -> dict[Path, Any]:
        out: dict[Path, Any] = {}
        for h in hs:
            out.update({d / f"{h}.ini": INI, d / f"{h}.conf": CONF, d / f"{h}.sysctl": SYSCTL})
        return out

    return Workload(f"{KEY}{n}", f"5 collection-module tasks on {n} hosts (ini_file x3, lineinfile, sysctl)",
                    n, [[t] for t in tasks], expect=expect,
                    note="ftl-tui runs Ansible's lineinfile (its native one is switched off with "
                         "ansible_modules=('lineinfile',)); FTL2 has no native lineinfile, so it runs Ansible's too.")


def _tools() -> dict[str, Any]:
    """ftl-tui (bundles cached on the hosts from earlier runs), ftl-tui with the hosts' bundle
    cache emptied before each run, ansible-playbook, FTL2: the harness's tools, adapted."""
    from bench.harness.tools import Ansible, Ftl2, FtlTui, Prepared

    class FtlTuiAnsible(FtlTui):
        name = "ftl-tui"

        def prepare(self, w: Any, bed: Any, run_dir: Path, work: Path) -> Prepared:
            prep = super().prepare(w, bed, run_dir, work)
            spec_path = Path(prep.argv[-1])
            spec = json.loads(spec_path.read_text())
            spec["ansible_modules"] = ["lineinfile"]
            spec_path.write_text(json.dumps(spec))
            return prep

    class FtlTuiEmptyCache(FtlTuiAnsible):
        name = "ftl-tui cold"

        def prepare(self, w: Any, bed: Any, run_dir: Path, work: Path) -> Prepared:
            empty_bundle_cache(bed.home)  # outside the timed part
            return super().prepare(w, bed, run_dir, work)

    return {t.name: t for t in (FtlTuiAnsible(), FtlTuiEmptyCache(), Ansible(), Ftl2())}


def stop_fork_servers(home: Path) -> None:
    """Remove the bed user's fork server sockets: each server exits (ftltui/gate/fork_server.py)."""
    for sock in (home / ".cache" / "ftl-tui").glob("fs-*.sock"):
        sock.unlink(missing_ok=True)


def empty_bundle_cache(home: Path) -> int:
    """Remove the bed user's cached Ansible bundles (``ab-*``) and stop its fork servers:
    a cold host imports basic again. Returns how many bundles there were."""
    cache = home / ".cache" / "ftl-tui"
    stop_fork_servers(home)
    gone = 0
    for d in cache.glob("ab-*"):  # a zip (imported in place) or an unpacked directory
        if d.is_dir():
            shutil.rmtree(d, ignore_errors=True)
        else:
            d.unlink(missing_ok=True)
        gone += 1
    return gone


# -- ftl-tui's per host-task figures (run in a subprocess on the snapshot of the code) --------------
MICRO_WARM = 40  # tasks in a row on one host, per module
MICRO_FIRST = 5  # hosts whose first call is measured (each with an emptied bundle cache)


async def _micro(spec: dict[str, Any]) -> dict[str, Any]:
    """Warm per host-task median (ms) and first call with upload (ms), in one process."""
    from ftltui.engine.executor import Executor
    from ftltui.inventory import load_inventory

    home, run_dir = Path(spec["home"]), spec["run_dir"]
    usage = Path(spec["host_cpu_file"]) if spec.get("host_cpu_file") else None

    def host_cpu() -> float:  # the hosts' cgroup: sshd, gates, module children (seconds)
        return int(usage.read_text()) / 1e9 if usage is not None and usage.exists() else 0.0

    ex = Executor(load_inventory([spec["inventory"]]), forks=10, ansible_modules=("lineinfile",))
    ini = {"path": f"{run_dir}/{HOST}.ini", "section": "db", "option": "port", "value": "5432"}
    line = {"path": f"{run_dir}/{HOST}.conf", "line": "listen 8080", "create": True}
    out: dict[str, Any] = {"first_ms": [], "problems": []}
    try:
        for i, host in enumerate(spec["hosts"][:MICRO_FIRST]):
            await ex.run(host, "ping")  # the gate is up: what follows is bundle query, upload, warm-up, run
            empty_bundle_cache(home)
            await asyncio.sleep(0.2)
            h0, c0, t0 = host_cpu(), time.process_time(), time.perf_counter()
            r = await ex.run(host, "community.general.ini_file", ini)
            ms = (time.perf_counter() - t0) * 1000
            await asyncio.sleep(0.2)  # let the spare fork and the session settle into the counter
            if i > 0:
                out.setdefault("first_cpu_ms", []).append(
                    {"controller": (time.process_time() - c0) * 1000, "host": (host_cpu() - h0) * 1000})
            (out.setdefault("first_ms_incl_controller_build", ms) if i == 0 else out["first_ms"].append(ms))
            out["problems"] += [f"{host}: {hr.status} {hr.result.get('msg')}" for hr in r.results.values()
                                if hr.status not in ("ok", "changed")]
        for label, module, args in (("ini_file", "community.general.ini_file", ini),
                                    ("lineinfile", "ansible.builtin.lineinfile", line)):
            times = []
            h0, c0 = host_cpu(), time.process_time()
            for _ in range(MICRO_WARM):
                t0 = time.perf_counter()
                r = await ex.run(spec["hosts"][0], module, args)
                times.append((time.perf_counter() - t0) * 1000)
                out["problems"] += [f"{label}: {hr.status} {hr.result.get('msg')}" for hr in r.results.values()
                                    if hr.status not in ("ok", "changed")]
            await asyncio.sleep(0.2)
            out[f"warm_{label}_ms"] = {"median": statistics.median(times), "min": min(times), "max": max(times),
                                       "controller_cpu": (time.process_time() - c0) * 1000 / MICRO_WARM,
                                       "host_cpu": (host_cpu() - h0) * 1000 / MICRO_WARM}
        # bundles cached, fork server gone (it idled out): the first call starts one (python, basic)
        for host in spec["hosts"][1:MICRO_FIRST]:
            stop_fork_servers(home)
            await asyncio.sleep(2.5)  # the old server notices its socket is gone and exits
            h0, c0, t0 = host_cpu(), time.process_time(), time.perf_counter()
            r = await ex.run(host, "community.general.ini_file", ini)
            ms = (time.perf_counter() - t0) * 1000
            await asyncio.sleep(0.2)
            out.setdefault("server_start_ms", []).append(
                {"wall": ms, "controller": (time.process_time() - c0) * 1000, "host": (host_cpu() - h0) * 1000})
            out["problems"] += [f"{host}: {hr.status} {hr.result.get('msg')}" for hr in r.results.values()
                                if hr.status not in ("ok", "changed")]
    finally:
        await ex.close()
    out["problems"] = out["problems"][:5]
    return out


def run_micro(bed: Any, scratch: Path, src: str, log: Any) -> dict[str, Any]:
    run_dir = bed.make_run_dir("micro")
    inv = bed.write_inventory(scratch / "micro-inventory.yml", bed.names(MICRO_FIRST))
    spec = scratch / "micro.json"
    cpu_file = bed.cpu.path / "cpuacct.usage" if bed.cpu.available else None
    spec.write_text(json.dumps({"inventory": str(inv), "hosts": bed.names(MICRO_FIRST), "home": str(bed.home),
                                "run_dir": str(run_dir), "host_cpu_file": str(cpu_file) if cpu_file else None}))
    env = dict(os.environ, PYTHONPATH=f"{src}{os.pathsep}{Path(__file__).resolve().parent.parent}")
    p = subprocess.run([os.path.realpath(sys.executable), "-m", "bench.ansible_modules_bench", "--micro", str(spec)],
                       env=env, capture_output=True, text=True, timeout=600)
    shutil.rmtree(run_dir, ignore_errors=True)
    try:
        res = json.loads(p.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        res = {"problems": [f"micro run failed: exit {p.returncode}: {p.stderr.strip()[-400:]}"]}
    log(f"bench: micro {json.dumps(res)}")
    return res


# -- the run ---------------------------------------------------------------------------------------
def main(a: argparse.Namespace, log: Any) -> int:
    from bench.__main__ import snapshot_code
    from bench.harness import peers, report
    from bench.harness.bed import REPO, Bed
    from bench.harness.runner import close_ctl_cpu, run_workload

    os.environ["ANSIBLE_COLLECTIONS_PATH"] = collections_root()  # every tool's subprocess inherits it
    n = 5 if a.quick else 50
    rounds = a.rounds or (2 if a.quick else 5)
    tools_by_name = _tools()
    versions: dict[str, str] = {}
    tools = peers.select_tools(a.am_tools.split(","), tools_by_name, versions, log)
    import asyncssh

    versions["asyncssh"] = asyncssh.__version__
    versions["collections"] = f"ansible {_dist_version('ansible')} in {os.environ['ANSIBLE_COLLECTIONS_PATH']}"
    work = REPO / "bench" / ".work"
    work.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="am-", dir=work))
    scratch.chmod(0o755)
    code = snapshot_code(scratch)
    for t in tools:
        if hasattr(t, "src"):
            t.src = str(code["path"])
    # run from an exported tree (git archive), the commit is named by the caller
    commit = code["commit"] or os.environ.get("FTL_BENCH_COMMIT", "unknown commit")
    versions = {"ftl-tui": f"{commit} (engine in-process)", **versions}
    w = workload(n)
    load_start = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    bed = Bed(scratch, n)
    log(f"bench: test bed up ({n} hosts) in {scratch}")
    try:
        micro = run_micro(bed, scratch, str(code["path"]), log)
        recs = run_workload(w, tools, bed, scratch, rounds, a.warmup, log, a.quiet_wait)
    finally:
        bed.down()
        close_ctl_cpu()
    meta = {"command": "python -m bench " + " ".join(sys.argv[1:]),
            "date": datetime.datetime.now().strftime("%Y-%m-%d %H:%M"), "machine": report.machine(),
            "versions": versions, "warmup": a.warmup, "rounds": rounds, "load_start": load_start,
            "load_end": " ".join(Path("/proc/loadavg").read_text().split()[:3])}
    out_md = Path(a.out) if a.out else (work / "RESULTS-ansible-modules-quick.md" if a.quick
                                        else REPO / "bench" / "RESULTS-ansible-modules.md")
    from bench.ansible_modules_report import write

    write(out_md, meta, w, recs, [t.name for t in tools], rounds, micro)
    log(f"bench: wrote {out_md} and {out_md.with_suffix('.json')}")
    return 0


def _dist_version(name: str) -> str:
    import importlib.metadata

    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "?"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--ansible-modules", action="store_true",
                   help="run the Ansible-modules benchmark instead (bench/RESULTS-ansible-modules.md)")
    p.add_argument("--am-tools", default="ftl-tui,ftl-tui cold,ansible,ftl2",
                   help="tools of --ansible-modules (default: %(default)s)")


if __name__ == "__main__" and len(sys.argv) == 3 and sys.argv[1] == "--micro":
    print(json.dumps(asyncio.run(_micro(json.loads(Path(sys.argv[2]).read_text())))))
