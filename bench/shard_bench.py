"""``python -m bench --shards``: where process shards (``--workers N``) start to pay.

Issue 17, many cores on one controller. On the many-sshd bed (tests/testbed_many.py: 16
loopback addresses per sshd), for each host count and worker count, one fresh controller
process (``python bench/shard_bench.py --child SPEC``, this checkout's ftltui copied
aside so the whole run uses one code version) builds ``Executor(inv, forks=n, workers=w)``
and times, in order:

- ``cold``: the first ``ping`` on every host (shard workers start, SSH connections and
  remote gates open: what a one-shot ``ftl-tui run`` pays);
- ``warm``: a second ``ping`` (connections and gates reused: what every later task of a
  playbook or console session pays);
- ``command``: ``command echo hello`` (warm, with output streaming back);

Before each measurement it waits (``--quiet-wait``, up to 10 s) for the CPUs to be mostly idle
and records how idle they were. It reports, besides the times, the controller's CPU seconds
(its own and its reaped shard workers', getrusage) and
peak RSS (the controller's, and the largest worker's). Rounds alternate the worker
counts so a slow moment of the shared machine hits every configuration alike.

Writes bench/RESULTS-shards.md and bench/RESULTS-shards.json.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import json
import os
import resource
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

REPO = Path(__file__).resolve().parents[1]


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--shards", action="store_true",
                   help="issue 17: ping/command on 50..500 hosts with --workers 1/2/3 (bench/RESULTS-shards.md)")
    p.add_argument("--shard-sizes", default="50,100,200,500", help="host counts for --shards")
    p.add_argument("--shard-workers", default="1,2,3", help="worker counts for --shards")


# -- the measured child ----------------------------------------------------------------------
async def _child(spec: dict[str, Any]) -> dict[str, Any]:
    from ftltui.engine.executor import Executor
    from ftltui.inventory import load_inventory

    inv = load_inventory([spec["inventory"]])
    ex = Executor(inv, forks=spec["n"], workers=spec["workers"])
    times: dict[str, float] = {}
    problems: list[str] = []
    cpu0 = time.process_time()
    try:
        for label, module, args in (("cold", "ping", {}), ("warm", "ping", {}),
                                    ("command", "command", {"cmd": "echo hello"})):
            t = time.perf_counter()
            res = await ex.run("all", module, args)
            times[label] = time.perf_counter() - t
            bad = [f"{h}: {r.status} {r.msg[:120]}" for h, r in res.results.items() if not r.ok]
            if len(res.results) != spec["n"]:
                bad.append(f"{label}: {len(res.results)} results for {spec['n']} hosts")
            problems += bad[:3]
        workers = len(ex.shards.pids()) if ex.shards is not None else 0
    finally:
        await ex.close()
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)  # the shard workers, reaped by close()
    return {"times": times, "problems": problems, "worker_processes": workers,
            "cpu_controller": time.process_time() - cpu0,
            "cpu_total": me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime,
            "rss_mb": me.ru_maxrss / 1024, "worker_rss_mb": kids.ru_maxrss / 1024}


# -- the driver ------------------------------------------------------------------------------
def _many_bed(root: Path, n: int) -> Any:
    tests = str(REPO / "tests")
    if tests not in sys.path:
        sys.path.insert(0, tests)
    import testbed_many  # type: ignore[import-not-found]  # tests/ on the path, above

    return testbed_many.ManyTestBed(root / "bed").up(n)


def _inventory(bed: Any, names: list[str], path: Path) -> Path:
    lines = ["all:", "  vars:", f"    ansible_ssh_common_args: '-o UserKnownHostsFile={bed.known_hosts}'",
             "    ansible_python_interpreter: /usr/bin/python3", "  hosts:"]
    lines += [f"    {n}: {json.dumps(bed.host_vars(n))}" for n in names]
    path.write_text("\n".join(lines) + "\n")
    return path


def _snapshot(scratch: Path) -> dict[str, str]:
    dst = scratch / "src"
    shutil.copytree(REPO / "ftltui", dst / "ftltui", ignore=shutil.ignore_patterns("__pycache__"))
    git = ["git", "-C", str(REPO)]
    sha = subprocess.run(git + ["rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(git + ["status", "--porcelain", "--", "ftltui"], capture_output=True, text=True).stdout
    return {"path": str(dst), "commit": sha + ("+uncommitted ftltui changes" if dirty.strip() else "")}


def _measure(src: str, spec: dict[str, Any], scratch: Path) -> dict[str, Any]:
    spec_path = scratch / f"spec-{spec['n']}-{spec['workers']}.json"
    spec_path.write_text(json.dumps(spec))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([src, str(REPO)])}
    t = time.perf_counter()
    out = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child", str(spec_path)],
                         capture_output=True, text=True, env=env, timeout=900)
    wall = time.perf_counter() - t
    if out.returncode != 0:
        return {"error": (out.stderr or out.stdout)[-800:], "wall": wall}
    rec: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    rec["wall"] = wall
    return rec


def _med(xs: list[float]) -> float | None:
    return statistics.median(xs) if xs else None


def summarize(recs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    for key in sorted({(r["n"], r["workers"]) for r in recs}):
        mine = [r for r in recs if (r["n"], r["workers"]) == key and "times" in r]
        row: dict[str, Any] = {"n": key[0], "workers": key[1], "rounds": len(mine),
                               "errors": sum(1 for r in recs if (r["n"], r["workers"]) == key and "error" in r),
                               "problems": sorted({p for r in mine for p in r["problems"]})[:3]}
        for label in ("cold", "warm", "command"):
            row[label] = _med([r["times"][label] for r in mine])
        row["cpu_ms_per_host"] = _med([1000 * r["cpu_total"] / key[0] for r in mine])
        row["rss_mb"] = _med([r["rss_mb"] for r in mine])
        row["worker_rss_mb"] = _med([r["worker_rss_mb"] for r in mine])
        row["idle_before"] = _med([r["idle_before"] for r in mine if r.get("idle_before") is not None])
        rows.append(row)
    return rows


def _f(x: float | None, fmt: str = "{:.2f}") -> str:
    return "-" if x is None else fmt.format(x)


def render(meta: dict[str, Any], rows: list[dict[str, Any]]) -> str:
    out = ["# Process shards: where `--workers N` starts to pay (issue 17)", "",
           f"`{meta['command']}`, {meta['date']} UTC, code {meta['code']}, {meta['rounds']} rounds per cell "
           f"(median), worker counts alternating within each round.",
           f"Machine: {meta['machine']}. Load average (1/5/15 min, shared machine) at start {meta['load_start']}, "
           f"at end {meta['load_end']}.",
           f"Bed: tests/testbed_many.py, {meta['bed']['hosts']} hosts on {meta['bed']['sshd']} sshd on this same "
           "machine (the hosts' CPU competes with the controller's).", "",
           "Times in seconds. cold = first ping (worker start + connect + gate start); warm = second ping "
           "(reused connections and gates); command = `command echo hello`, warm. CPU = controller process "
           "plus its shard workers, whole run, per host. RSS = controller peak / largest worker's peak, MB.", "",
           "| hosts | workers | cold | warm | command | CPU ms/host | RSS MB | worker RSS MB | warm vs w1 | idle before |",
           "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    base = {r["n"]: r for r in rows if r["workers"] == 1}
    for r in rows:
        b = base.get(r["n"])
        rel = f"{r['warm'] / b['warm']:.2f}x" if b and b.get("warm") and r.get("warm") else "-"
        flag = f" ({r['errors']} failed rounds)" if r["errors"] else ""
        out.append(f"| {r['n']} | {r['workers']}{flag} | {_f(r['cold'])} | {_f(r['warm'])} | {_f(r['command'])} | "
                   f"{_f(r['cpu_ms_per_host'], '{:.1f}')} | {_f(r['rss_mb'], '{:.0f}')} | "
                   f"{_f(r['worker_rss_mb'], '{:.0f}')} | {rel} | "
                   f"{_f(max(0.0, 100 * r['idle_before']) if r.get('idle_before') is not None else None, '{:.0f}%')} |")
    probs = [f"- {r['n']} hosts, {r['workers']} workers: {p}" for r in rows for p in r["problems"]]
    if probs:
        out += ["", "Problems seen:", *probs]
    if meta.get("notes"):
        out += ["", "## Reading", "", meta["notes"]]
    return "\n".join(out) + "\n"


def _quiet(max_wait: float, log: Callable[[str], None]) -> float | None:
    """Wait (up to ``max_wait`` s) for the CPUs to be mostly idle before a measurement; the idle
    fraction seen (other sessions share this machine: the table says how busy it was)."""
    if max_wait <= 0:
        return None
    from bench.harness.runner import wait_quiet

    return wait_quiet(max_wait, log)


def _loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def main(a: argparse.Namespace, log: Callable[[str], None]) -> int:
    sizes = sorted(int(x) for x in a.shard_sizes.split(","))
    workers = [int(x) for x in a.shard_workers.split(",")]
    rounds = a.rounds or (1 if a.quick else 3)
    work = REPO / "bench" / ".work"
    work.mkdir(parents=True, exist_ok=True)
    out_md = Path(a.out) if a.out else REPO / "bench" / "RESULTS-shards.md"
    scratch = Path(tempfile.mkdtemp(prefix="shards-", dir=work))
    scratch.chmod(0o755)
    code = _snapshot(scratch)
    load_start = _loadavg()
    bed = _many_bed(scratch, max(sizes))
    names = list(bed.hosts)
    log(f"bench --shards: {max(sizes)} hosts on {len(bed.sshds)} sshd in {scratch}")
    recs: list[dict[str, Any]] = []
    try:
        for n in sizes:
            inv = _inventory(bed, names[:n], scratch / f"inv-{n}.yml")
            for rnd in range(rounds):
                order = workers if rnd % 2 == 0 else list(reversed(workers))
                for w in order:
                    idle = _quiet(getattr(a, "quiet_wait", 0.0), log)
                    rec = _measure(code["path"], {"inventory": str(inv), "n": n, "workers": w}, scratch)
                    rec.update(n=n, workers=w, round=rnd, idle_before=idle)
                    recs.append(rec)
                    log(f"  {n} hosts, {w} workers, round {rnd + 1}: "
                        + (json.dumps(rec["times"]) if "times" in rec else f"ERROR {rec['error'][-300:]}"))
    finally:
        bed.down()
    rows = summarize(recs)
    import platform

    meta = {"command": "python -m bench " + shlex.join(sys.argv[1:]),
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M"),
            "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
            "code": code["commit"], "rounds": rounds, "load_start": load_start, "load_end": _loadavg(),
            "bed": {"hosts": max(sizes), "sshd": len(bed.sshds)}}
    notes = REPO / "bench" / "shards_notes.md"
    if notes.exists():
        meta["notes"] = notes.read_text().strip()
    out_md.write_text(render(meta, rows))
    out_md.with_suffix(".json").write_text(json.dumps({"meta": meta, "rows": rows, "records": recs}, indent=1))
    log(f"bench --shards: wrote {out_md}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        print(json.dumps(asyncio.run(_child(json.loads(Path(sys.argv[2]).read_text())))))
    else:
        sys.exit("run it as: python -m bench --shards")
