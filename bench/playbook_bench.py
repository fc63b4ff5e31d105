"""``python -m bench --playbooks``: an Ansible playbook, ftl-tui vs ansible-playbook (issue 15).

The playbook (bench/playbook_corpus/site.yml: 2 plays, the role ``app`` with templates
and a handler, loops, gathered facts, 15 tasks) runs on N bed hosts:

* ``ftl-tui`` cold: ``ftl-tui play site.yml -i INV`` as a fresh subprocess;
* ``ansible``: ``ansible-playbook`` from the peers' virtualenv, pipelining, forks = N,
  host key checking against the bed's known_hosts, a fresh ControlPath per run;
* ``ftl-tui warm``: one process, one ``Executor``, the playbook run 1 + rounds times
  (``load_playbook`` + ``run_playbook``); each run after the first is timed, its
  connections and gates already up, as a second run from the open console.

FTL2 has no playbook runner, so it is not in this comparison. Every run writes to its
own directory (``run_id``) under the bed user's home and is checked: exit 0, each host's
recap (ok/changed/unreachable/failed/skipped/rescued/ignored) equal to ansible-playbook's,
and each host's files (path, mode, bytes) equal to what ansible-playbook wrote.
Writes bench/RESULTS-playbooks.md (+ .json).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

CORPUS = Path(__file__).resolve().parent / "playbook_corpus"
PLAYBOOK = CORPUS / "site.yml"
RECAP = re.compile(r"^(\S+)\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)\s+"
                   r"skipped=(\d+)\s+rescued=(\d+)\s+ignored=(\d+)", re.MULTILINE)


def recap_of(text: str) -> dict[str, tuple[int, ...]]:
    """Each host's PLAY RECAP counts, as printed by both tools."""
    return {m[0]: tuple(int(x) for x in m[1:]) for m in RECAP.findall(text)}


def tree_of(root: Path) -> dict[str, tuple[str, bytes]]:
    """Every file and directory below ``root``: relative path -> (mode, content)."""
    out: dict[str, tuple[str, bytes]] = {}
    for p in sorted(root.rglob("*")):
        mode = oct(p.stat().st_mode & 0o7777)
        out[str(p.relative_to(root))] = (mode, b"" if p.is_dir() else p.read_bytes())
    return out


# -- the warm figure: one process, one Executor (run on the snapshot of the code) --------------------
async def _warm(spec: dict[str, Any]) -> dict[str, Any]:
    from ftltui.engine.executor import Executor
    from ftltui.inventory import load_inventory
    from ftltui.playbook.loader import load_playbook
    from ftltui.playbook.options import PlayOptions
    from ftltui.playbook.runner import run_playbook

    inventory = load_inventory([spec["inventory"]])
    n = spec["hosts"]
    ex = Executor(inventory, forks=n, base_dir=str(PLAYBOOK.parent))
    runs: list[dict[str, Any]] = []
    try:
        for run_id in spec["run_ids"]:
            t0 = time.perf_counter()
            playbook = load_playbook(PLAYBOOK)  # as a console does for each :play
            finished = await run_playbook(playbook, ex, PlayOptions(forks=n, extra_vars={"run_id": run_id}),
                                          lambda _e: None)
            wall = time.perf_counter() - t0
            runs.append({"run_id": run_id, "wall": wall, "rc": finished.exit_code,
                         "stats": {h: s.to_dict() for h, s in finished.stats.items()}})
    finally:
        await ex.close()
    return {"runs": runs, "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def _stats_tuple(s: dict[str, Any]) -> tuple[int, ...]:
    """HostStats.to_dict() in PLAY RECAP's order."""
    return tuple(int(s[k]) for k in ("ok", "changed", "unreachable", "failed", "skipped", "rescued", "ignored"))


# -- the run -------------------------------------------------------------------------------------
class Bench:
    def __init__(self, bed: Any, scratch: Path, src: str, log: Any) -> None:
        from bench.harness.tools import PEERS, PROJECT_PY

        self.bed, self.scratch, self.src, self.log = bed, scratch, src, log
        self.py, self.ansible = PROJECT_PY, PEERS / "ansible" / "bin" / "ansible-playbook"
        self.reference: dict[int, tuple[dict[str, tuple[int, ...]], dict[str, dict[str, Any]]]] = {}
        self.seq = 0

    def run_id(self, tool: str, n: int) -> str:
        self.seq += 1
        return f"r{self.seq:03d}-{tool}-{n}"

    def base(self, run_id: str) -> Path:
        return self.bed.home / "pbbench" / run_id

    def inventory(self, n: int) -> Path:
        return self.bed.write_inventory(self.scratch / f"inventory-{n}.yml", self.bed.names(n))

    def argv_env(self, tool: str, n: int, run_id: str, work: Path) -> tuple[list[str], dict[str, str]]:
        inv = self.inventory(n)
        if tool == "ansible":
            cp = work / "cp"
            cp.mkdir(parents=True)
            (work / "ansible.cfg").write_text("\n".join([
                "[defaults]", f"inventory = {inv}", f"forks = {n}", "host_key_checking = True",
                "retry_files_enabled = False", "interpreter_python = /usr/bin/python3", "nocows = 1",
                "[ssh_connection]", "pipelining = True", f"control_path_dir = {cp}", ""]))
            env = dict(os.environ, ANSIBLE_CONFIG=str(work / "ansible.cfg"), ANSIBLE_NOCOLOR="1",
                       PATH=f"{self.ansible.parent}:{os.environ.get('PATH', '')}")
            return [str(self.ansible), str(PLAYBOOK), "-e", f"run_id={run_id}"], env
        env = dict(os.environ, PYTHONPATH=self.src, NO_COLOR="1")
        return [self.py, "-m", "ftltui", "play", str(PLAYBOOK), "-i", str(inv), "-f", str(n), "-e",
                f"run_id={run_id}", "--state-dir", str(work / "state")], env

    def check(self, n: int, recap: dict[str, tuple[int, ...]], run_id: str) -> list[str]:
        """Problems of one run against ansible-playbook's reference run at this size."""
        ref_recap, ref_files = self.reference[n]
        problems = []
        for h in self.bed.names(n):
            if recap.get(h) != ref_recap.get(h):
                problems.append(f"{h}: recap {recap.get(h)} != ansible's {ref_recap.get(h)}")
            files = tree_of(self.base(run_id) / h)
            if files != ref_files[h]:
                diff = sorted(set(files.items()) ^ set(ref_files[h].items()))[:3]
                problems.append(f"{h}: files differ from ansible's: {[d[0] for d in diff]}")
        return problems[:6]

    def set_reference(self, n: int, recap: dict[str, tuple[int, ...]], run_id: str) -> list[str]:
        hosts = self.bed.names(n)
        problems = [f"{h}: ansible recap {recap.get(h)}" for h in hosts
                    if recap.get(h) is None or recap[h][2:4] != (0, 0)]
        files = {h: tree_of(self.base(run_id) / h) for h in hosts}
        problems += [f"{h}: ansible wrote no files" for h in hosts if not files[h]]
        self.reference[n] = (recap, files)
        return problems

    def cold(self, tool: str, n: int, rnd: str) -> dict[str, Any]:
        from bench.harness.procs import run_measured
        from bench.harness.runner import _kill_control_masters, wait_quiet

        run_id = self.run_id(tool.replace(" ", "_"), n)
        work = self.scratch / run_id
        argv, env = self.argv_env(tool, n, run_id, work)
        wait_quiet(5.0, self.log)
        load = Path("/proc/loadavg").read_text().split()[0]
        m = run_measured(argv, env=env, cwd=str(CORPUS), out_dir=work, timeout=900)
        _kill_control_masters(work / "cp")
        recap = recap_of(m.stdout)
        problems = [] if m.rc == 0 else [f"exit {m.rc}: {(m.stdout + m.stderr).strip()[-600:]}"]
        if tool == "ansible" and n not in self.reference:
            problems += self.set_reference(n, recap, run_id)
        elif n in self.reference:
            problems += self.check(n, recap, run_id)
        rec = {"tool": tool, "hosts": n, "round": rnd, "run_id": run_id, "wall": m.wall, "rc": m.rc,
               "peak_rss_mb": m.peak_rss_mb, "peak_pss_mb": m.peak_pss_mb,
               "cpu_s": m.cpu_user + m.cpu_sys, "loadavg_before": load, "problems": problems}
        self.log(f"bench: {tool} {n} hosts {rnd}: {m.wall:.2f} s rss {m.peak_rss_mb:.0f} MB "
                 f"{'OK' if not problems else problems}")
        return rec

    def warm(self, n: int, rounds: int) -> dict[str, Any]:
        ids = [self.run_id("warm", n) for _ in range(rounds + 1)]
        spec = self.scratch / f"warm-{n}.json"
        spec.write_text(json.dumps({"inventory": str(self.inventory(n)), "hosts": n, "run_ids": ids}))
        env = dict(os.environ, PYTHONPATH=f"{self.src}{os.pathsep}{Path(__file__).resolve().parent.parent}")
        p = subprocess.run([self.py, "-m", "bench.playbook_bench", "--warm", str(spec)], env=env,
                           capture_output=True, text=True, timeout=900, cwd=str(CORPUS), check=False)
        try:
            res = json.loads(p.stdout.strip().splitlines()[-1])
        except (ValueError, IndexError):
            return {"hosts": n, "problems": [f"warm run failed: exit {p.returncode}: {p.stderr.strip()[-600:]}"]}
        problems = []
        for r in res["runs"]:
            recap = {h: _stats_tuple(s) for h, s in r["stats"].items()}
            if r["rc"] != 0:
                problems.append(f"{r['run_id']}: exit {r['rc']}")
            if n in self.reference:
                problems += self.check(n, recap, r["run_id"])
        res.update(hosts=n, problems=problems[:6])
        self.log(f"bench: warm {n} hosts: {[round(r['wall'], 2) for r in res['runs']]} "
                 f"{'OK' if not problems else problems}")
        return res


def main(a: argparse.Namespace, log: Any) -> int:
    from bench.__main__ import snapshot_code
    from bench.harness import report
    from bench.harness.bed import REPO, Bed
    from bench.playbook_report import write

    sizes = [int(x) for x in a.pb_hosts.split(",")]
    rounds = a.rounds or 3
    work = REPO / "bench" / ".work"
    work.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="pb-", dir=work))
    scratch.chmod(0o755)
    code = snapshot_code(scratch)
    load_start = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    bed = Bed(scratch, max(sizes))
    log(f"bench: test bed up ({max(sizes)} hosts) in {scratch}")
    bench = Bench(bed, scratch, str(code["path"]), log)
    out_md = Path(a.out) if a.out else REPO / "bench" / "RESULTS-playbooks.md"
    cold: list[dict[str, Any]] = []
    warm: list[dict[str, Any]] = []
    try:
        for n in sizes:
            for r in range(a.warmup + rounds):
                rnd = "warm-up" if r < a.warmup else str(r - a.warmup + 1)
                for tool in ("ansible", "ftl-tui"):  # ansible first: its first run is the reference
                    cold.append(bench.cold(tool, n, rnd))
            warm.append(bench.warm(n, rounds))
            done = sizes[:sizes.index(n) + 1]  # written after each size: a cut-short run keeps what it measured
            meta = {"command": "python -m bench " + " ".join(sys.argv[1:]),
                    "date": datetime.datetime.now().strftime("%Y-%m-%d %H:%M"), "machine": report.machine(),
                    "commit": code["commit"], "ansible": _ansible_version(bench.ansible), "warmup": a.warmup,
                    "rounds": rounds, "load_start": load_start,
                    "load_end": " ".join(Path("/proc/loadavg").read_text().split()[:3])}
            write(out_md, meta, done, cold, warm)
            log(f"bench: wrote {out_md} and {out_md.with_suffix('.json')} ({done} hosts)")
    finally:
        bed.down()
        shutil.rmtree(bed.home / "pbbench", ignore_errors=True)
    return 0


def _ansible_version(binary: Path) -> str:
    p = subprocess.run([str(binary), "--version"], capture_output=True, text=True, check=False)
    return p.stdout.splitlines()[0] if p.stdout else "?"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--playbooks", action="store_true",
                   help="run the playbook benchmark instead (bench/RESULTS-playbooks.md)")
    p.add_argument("--pb-hosts", default="10,50", help="host counts of --playbooks (default: %(default)s)")


if __name__ == "__main__" and len(sys.argv) == 3 and sys.argv[1] == "--warm":
    print(json.dumps(asyncio.run(_warm(json.loads(Path(sys.argv[2]).read_text())))))
