"""``python -m bench --scale``: ping + command on 200, 500 and 1,000 hosts, and the console at 1,000.

Issue 17's scale figures, on the many-sshd bed (tests/testbed_many.py: 16 loopback
addresses per sshd, so 1,000 hosts are 63 sshd processes on this machine):

- ftl-tui (one ``Executor``, forks = hosts, the ``ftltui_driver``) against the asyncssh
  floor (the ``floor`` driver: connect and run ``python3 -c pass``), in alternation, per
  size; wall time, the ping step's time (connect + gate start + ping: the floor's work),
  controller CPU per host (cpuacct cgroup), peak RSS/PSS of the controller's process tree;
- the console (bench/harness/drivers/scale_console.py): the real Textual app headless,
  time from app start to the 1,000-host inventory tree built, then key-press latency
  (pane switches, scroll, follow; p50/p95/max) while ``:run all command ...`` streams the
  1,000 hosts through the job queue; that process's peak RSS too.

Writes bench/RESULTS-scale.md and bench/RESULTS-scale.json (one run, one code version).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, Callable

from bench.harness import report
from bench.harness.bed import REPO
from bench.harness.procs import run_measured
from bench.harness.runner import RunRecord, close_ctl_cpu, ctl_cpu, run_workload, wait_quiet
from bench.harness.scale_bed import ScaleBed
from bench.harness.tools import ALL_TOOLS, DRIVERS, PROJECT_PY
from bench.harness.workloads import Workload

GOALS = {"ratio": 1.3, "rss_mb": 300.0, "key_p95_ms": 100.0, "open_s": 1.0}
CONSOLE_COMMAND = "run all command echo hello"  # ':run' hands the module its arguments as typed (e8db3e5): no quotes


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--scale", action="store_true",
                   help="issue 17: ping + command on 200/500/1000 hosts vs the floor, and the console at "
                        "1,000 hosts (bench/RESULTS-scale.md)")
    p.add_argument("--scale-sizes", default="200,500,1000", help="host counts for --scale")
    p.add_argument("--scale-presses", type=int, default=40, help="key presses timed during the console run")
    p.add_argument("--scale-workers", default="",
                   help="FTL_TUI_WORKERS for the console process (1: one event loop; default: the console's own)")
    p.add_argument("--scale-tree", action="store_true",
                   help="run the working tree's ftltui/ (uncommitted changes included) instead of HEAD's")
    p.add_argument("--scale-engine-only", action="store_true",
                   help="only the engine rows (ping + command vs the floor), no console part; use with --out")
    p.add_argument("--scale-console-only", action="store_true",
                   help="re-run only the console part; keep the engine rows of the existing RESULTS-scale.json")
    p.add_argument("--scale-open-only", action="store_true",
                   help="only the console opening an inventory of the biggest --scale-sizes, no bed "
                        "(bench/scale_open_bench.py, bench/RESULTS-scale-open.md)")
    p.add_argument("--scale-open-base", default="",
                   help="with --scale-open-only: also run this commit's ftltui/, alternating with HEAD's")
    p.add_argument("--scale-console-ab", metavar="REF", default="",
                   help="only the console part, REF's code and HEAD's alternately on one bed (--rounds each), "
                        "same load conditions; writes bench/RESULTS-scale-console-ab.md (or --out)")


def ping_command(n: int) -> Workload:
    return Workload(f"s-{n}", f"ping, then command `echo hello`, on {n} hosts", n,
                    [[("ping", {})], [("command", {"cmd": "echo hello"})]])


def snapshot_tree(scratch: Path) -> dict[str, str]:
    """ftltui/ as it is in the working tree now, uncommitted changes included (named as such)."""
    dst = scratch / "src"
    shutil.copytree(REPO / "ftltui", dst / "ftltui", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "bench" / "tui_bench.py", dst / "tui_bench.py")
    git = ["git", "-C", str(REPO)]
    sha = subprocess.run(git + ["rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(git + ["status", "--porcelain", "--", "ftltui"], capture_output=True, text=True).stdout
    return {"path": str(dst), "commit": sha + (f" + the working tree's uncommitted changes to "
                                               f"{len(dirty.splitlines())} ftltui files" if dirty.strip() else "")}


def snapshot_code(scratch: Path, ref: str = "HEAD") -> dict[str, str]:
    """ftltui/ (and the console bench it imports) as committed at HEAD: the run uses this code.

    Not the working tree: other people's half-done edits in the shared tree are not what a
    commit measures (an uncommitted change to ftltui/ is named in the report, not run).
    """
    dst = scratch / "src"
    dst.mkdir(parents=True)
    git = ["git", "-C", str(REPO)]
    tar = subprocess.run(git + ["archive", ref, "ftltui", "bench/tui_bench.py"], capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(dst)], input=tar.stdout, check=True)
    shutil.copy(dst / "bench" / "tui_bench.py", dst / "tui_bench.py")
    sha = subprocess.run(git + ["rev-parse", "--short", ref], capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(git + ["status", "--porcelain", "--", "ftltui"], capture_output=True, text=True).stdout
    note = f" (uncommitted changes to {len(dirty.splitlines())} ftltui files not included)" if dirty.strip() else ""
    return {"path": str(dst), "commit": sha + note}


def console_run(bed: ScaleBed, scratch: Path, src: str, n: int, presses: int, workers: str = "",
                tag: str = "") -> dict[str, Any]:
    """One console process: open time, key latency during the n-host run, its CPU and peak RSS."""
    work = scratch / "runs" / f"console-{n}{tag}"
    work.mkdir(parents=True)
    inv = bed.write_inventory(work / "inventory.yml", bed.names(n))
    spec = {"inventory": str(inv), "state": str(work / "state"), "n_hosts": n, "presses": presses,
            "command": CONSOLE_COMMAND, "bench": src}
    (work / "spec.json").write_text(json.dumps(spec))
    env = dict(os.environ, PYTHONPATH=src, HOME=str(work))  # no user config or keymap from ~
    if workers:
        env["FTL_TUI_WORKERS"] = workers
    ctl = ctl_cpu()
    c0 = ctl.seconds()
    m = run_measured([PROJECT_PY, str(DRIVERS / "scale_console.py"), str(work / "spec.json")], env=env,
                     cwd=str(work), out_dir=work)
    cpu = ctl.seconds() - c0 if ctl.available else 0.0
    cpu = cpu or m.cpu_user + m.cpu_sys  # the cgroup can miss a process that joined late: rusage then
    line = m.stdout.strip().splitlines()[-1] if m.stdout.strip() else ""
    try:
        rep = json.loads(line)
    except ValueError:
        rep = {"ok": False, "problems": [f"exit {m.rc}: {m.stderr.strip()[-600:]}"]}
    rep.update(wall=m.wall, peak_rss_mb=m.peak_rss_mb, peak_pss_mb=m.peak_pss_mb, cpu=cpu, hosts=n,
               workers=workers or "the console's default")
    return rep


def _median(xs: list[float]) -> float | None:
    return statistics.median(xs) if xs else None


def summarize(recs: list[RunRecord], sizes: list[int]) -> list[dict[str, Any]]:
    rows = []
    for n in sizes:
        mine = [r for r in recs if r.workload == f"s-{n}" and not r.warmup]
        row: dict[str, Any] = {"hosts": n}
        for tool in ("floor", "ftl-tui"):
            ok = [r for r in mine if r.tool == tool and r.ok]
            row[tool] = {
                "ok_runs": f"{len(ok)}/{len([r for r in mine if r.tool == tool])}",
                "wall": _median([r.wall for r in ok]),
                "ping_step": _median([r.extra["steps"][0] for r in ok if r.extra.get("steps")]),
                "cpu": _median([r.cpu for r in ok]), "host_cpu": _median([r.host_cpu for r in ok]),
                "cpu_ms_per_host": _median([1000 * r.cpu / n for r in ok]),
                "peak_rss_mb": _median([r.peak_rss_mb for r in ok]),
                "peak_pss_mb": _median([r.peak_pss_mb for r in ok]),
                "others_cpu": _median([r.others_cpu for r in ok if r.others_cpu is not None]),
                "problems": sorted({p for r in mine if r.tool == tool for p in r.problems})[:3],
            }
        by_round: dict[int, dict[str, RunRecord]] = {}
        for r in mine:
            if r.ok:
                by_round.setdefault(r.round, {})[r.tool] = r
        ratios = [d["ftl-tui"].wall / d["floor"].wall for d in by_round.values() if len(d) == 2]
        ping_ratios = [d["ftl-tui"].extra["steps"][0] / d["floor"].wall for d in by_round.values()
                       if len(d) == 2 and d["ftl-tui"].extra.get("steps")]
        # the work each did (controller + hosts CPU): on a machine shared with other suites the
        # wall ratio moves with their load, this one much less
        cpu_ratios = [(d["ftl-tui"].cpu + d["ftl-tui"].host_cpu) / (d["floor"].cpu + d["floor"].host_cpu)
                      for d in by_round.values() if len(d) == 2]
        row["cpu_ratio"] = _median(cpu_ratios)
        row["ratio"] = _median(ratios)
        row["ping_ratio"] = _median(ping_ratios)
        rows.append(row)
    return rows


def _f(x: float | None, fmt: str = "{:.2f}") -> str:
    return "-" if x is None else fmt.format(x)


def render(meta: dict[str, Any], rows: list[dict[str, Any]], console: dict[str, Any] | None) -> str:
    big = rows[-1] if rows else None
    out = [
        "# Scale: 200, 500 and 1,000 hosts from one controller (issue 17)", "",
        f"Generated by `{meta['command']}` on {meta['date']} UTC; ftl-tui code: a copy of `ftltui/` taken when "
        f"the run started, at {meta['code']}.", "",
        f"**Machine:** {meta['machine']['cores']} cores ({meta['machine']['cpu']}), {meta['machine']['mem_gb']} GB, "
        f"Linux {meta['machine']['kernel']}, Python {meta['machine']['python']}; load average {meta['load_start']} "
        f"at start, {meta['load_end']} at end. Processes other than the bed and the tools may share the 2 cores: "
        "the `others` column is the CPU they took during each run (median), a noise indicator.", "",
        f"**Bed:** {meta['bed']['hosts']} hosts on {meta['bed']['sshd']} sshd processes (tests/testbed_many.py: "
        "16 loopback addresses 127.1.x.y per sshd, one port), all on this machine: **the hosts and the controller "
        "share the 2 cores.** Limits the bed raised: "
        f"{', '.join(f'{k} {v}' for k, v in meta['bed']['limits'].items()) or 'none needed'}.", "",
        *([f"**Engine rows** from an earlier run: `{meta['engine_run']['command']}` on {meta['engine_run']['date']} "
           f"UTC at {meta['engine_run']['code']}, load {meta['engine_run']['load_start']} -> "
           f"{meta['engine_run']['load_end']}; the console part below is this run's.", ""]
          if meta.get("engine_run") else []),
        "**Method:** floor and ftl-tui alternate (floor, ftl-tui, floor, ...), each a fresh process per run, "
        f"{meta['warmup']} warm-up round and {meta['rounds']} measured rounds per size, medians shown. "
        "The floor is asyncssh opening every connection and running `python3 -c pass` on it, nothing else. "
        "ftl-tui is one `Executor(forks=hosts)` running `ping` then `command echo hello` (every host's stdout "
        "checked); *ping step* is ftl-tui's first step alone (connect, gate start, ping), the floor's equivalent. "
        "Controller CPU = the controller's process tree in a cpuacct cgroup; host CPU = every sshd/session/gate "
        "process of the hosts (their cgroup). RSS/PSS = peak of the summed tree, sampled every 50 ms.", "",
        "## Goals", "",
        "| goal | target | measured | met |", "|---|---|---|---|",
    ]
    if big:
        r, p = big["ratio"], big["ping_ratio"]
        rss = big["ftl-tui"]["peak_rss_mb"]
        out.append(f"| ping + command at {big['hosts']} hosts vs the floor | <= {GOALS['ratio']}x | {_f(r)}x wall "
                   f"(ping step alone {_f(p)}x; controller + hosts CPU {_f(big.get('cpu_ratio'))}x) | "
                   f"{'**met**' if r is not None and r <= GOALS['ratio'] else 'missed'} |")
        out.append(f"| controller peak RSS at {big['hosts']} hosts (engine) | <= {GOALS['rss_mb']:.0f} MB | "
                   f"{_f(rss, '{:.0f}')} MB | {'**met**' if rss is not None and rss <= GOALS['rss_mb'] else 'missed'} |")
    if console:
        p95, op = console.get("keys_p95_ms"), console.get("open_s")
        out.append(f"| console key press p95 while {console['hosts']} hosts stream | <= {GOALS['key_p95_ms']:.0f} ms | "
                   f"{_f(p95, '{:.0f}')} ms | {'**met**' if p95 is not None and p95 <= GOALS['key_p95_ms'] else 'missed'} |")
        out.append(f"| {console['hosts']}-host inventory opens in the console | < {GOALS['open_s']:.0f} s | "
                   f"{_f(op)} s | {'**met**' if op is not None and op < GOALS['open_s'] else 'missed'} |")
        out.append(f"| console process peak RSS during the {console['hosts']}-host run | <= {GOALS['rss_mb']:.0f} MB | "
                   f"{_f(console.get('peak_rss_mb'), '{:.0f}')} MB | "
                   f"{'**met**' if (console.get('peak_rss_mb') or 1e9) <= GOALS['rss_mb'] else 'missed'} |")
    out += ["", "## Engine: ping + command", "",
            "| hosts | tool | ok runs | wall s | ping step s | x floor: wall (ping step) | x floor: CPU | controller CPU s "
            "| CPU ms/host | host CPU s | peak RSS MB | peak PSS MB | others' CPU s |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for row in rows:
        for tool in ("floor", "ftl-tui"):
            t = row[tool]
            ratio = "1.00" if tool == "floor" else f"{_f(row['ratio'])} ({_f(row['ping_ratio'])})"
            cratio = "1.00" if tool == "floor" else _f(row.get("cpu_ratio"))
            out.append(f"| {row['hosts']} | {tool} | {t['ok_runs']} | {_f(t['wall'])} | {_f(t['ping_step'])} | "
                       f"{ratio} | {cratio} | {_f(t['cpu'])} | {_f(t['cpu_ms_per_host'], '{:.1f}')} | {_f(t['host_cpu'])} | "
                       f"{_f(t['peak_rss_mb'], '{:.0f}')} | {_f(t['peak_pss_mb'], '{:.0f}')} | "
                       f"{_f(t['others_cpu'], '{:.1f}')} |")
    problems = [(row["hosts"], tool, p) for row in rows for tool in ("floor", "ftl-tui") for p in row[tool]["problems"]]
    if problems:
        out += ["", "Problems seen (a wrong run does not count):", ""]
        out += [f"- {n} hosts, {tool}: {p}" for n, tool, p in problems]
    if console:
        out += ["", f"## Console at {console['hosts']} hosts (FTL_TUI_WORKERS: {console.get('workers', '-')})", "",
                "| measure | result |", "|---|---|",
                f"| app start to the inventory tree built ({console.get('inventory_hosts')} hosts) | "
                f"{_f(console.get('open_s'))} s |",
                f"| `:{CONSOLE_COMMAND}`: job start to every host finished | {_f(console.get('run_s'))} s "
                f"({console.get('log_records')} log records; job {', '.join(console.get('job_states', []))}) |",
                f"| key presses during the run ({console.get('keys_presses')}: pane switch, scroll, follow) | "
                f"p50 {_f(console.get('keys_median_ms'), '{:.0f}')} ms, p95 {_f(console.get('keys_p95_ms'), '{:.0f}')} ms, "
                f"max {_f(console.get('keys_max_ms'), '{:.0f}')} ms |",
                f"| console process: CPU, peak RSS | {_f(console.get('cpu'))} s, "
                f"{_f(console.get('peak_rss_mb'), '{:.0f}')} MB |"]
        lp = console.get("loop") or {}
        if lp.get("thread_cpu_s") is not None:
            threads = ", ".join(f"{k} {v:.2f} s" for k, v in lp["thread_cpu_s"].items())
            kids = " + ".join(f"{v:.2f}" for v in (lp.get("child_cpu_s") or {}).values()) or "-"
            out.append(f"| where the console's CPU went during the run | threads: {threads}; shard worker "
                       f"processes: {kids} s |")
            out.append(f"| its event loop: CPU / waiting for a core / for the GIL | {lp.get('loop_cpu_s')} s / "
                       f"{lp.get('loop_core_wait_s')} s / {lp.get('loop_gil_wait_s')} s "
                       f"(session: {console.get('autogroup') or '-'}) |")
        if console.get("event_log_bytes") is not None:
            n = console["hosts"]
            out.append(f"| the job's event log persisted by the owner | {console['event_log_bytes']:,} bytes in "
                       f"{console['event_log_lines']:,} records: {console['event_log_bytes'] / n:,.0f} bytes and "
                       f"{console['event_log_lines'] / n:.1f} records per host-task; state dir "
                       f"{console['state_bytes']:,} bytes |")
        if not console.get("ok"):
            out += ["", f"Console run problems: {console.get('problems')}"]
    if meta.get("notes"):
        out += ["", "## Reading", "", meta["notes"]]
    return "\n".join(out) + "\n"


def rerender(out_md: Path) -> None:
    """Re-write the Markdown from RESULTS-scale.json (after a change to this report's layout)."""
    kept = json.loads(out_md.with_suffix(".json").read_text())
    recs = [RunRecord(**r) for r in kept["records"]]
    rows = summarize(recs, [r["hosts"] for r in kept["rows"]])
    notes = REPO / "bench" / "scale_notes.md"
    if notes.exists():
        kept["meta"]["notes"] = notes.read_text().strip()
    out_md.write_text(render(kept["meta"], rows, kept["console"]))


def _load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def console_ab(a: argparse.Namespace, log: Callable[[str], None]) -> int:
    """The console part for two code versions on one bed, alternating (A B, B A, ...), so
    both meet the same load; each run reports its key latency, longest loop callbacks and
    GC pauses (bench/harness/drivers/scale_console.py's LoopProbe)."""
    n = max(int(x) for x in a.scale_sizes.split(","))
    rounds = a.rounds or 2
    work = REPO / "bench" / ".work"
    work.mkdir(parents=True, exist_ok=True)
    out_md = Path(a.out) if a.out else REPO / "bench" / "RESULTS-scale-console-ab.md"
    scratch = Path(tempfile.mkdtemp(prefix="scale-ab-", dir=work))
    scratch.chmod(0o755)
    codes = {"A": snapshot_code(scratch / "a", a.scale_console_ab), "B": snapshot_code(scratch / "b")}
    bed = ScaleBed(scratch, n)
    runs: list[dict[str, Any]] = []
    try:
        for r in range(rounds):
            for label in ("A", "B") if r % 2 == 0 else ("B", "A"):
                if a.quiet_wait > 0:
                    wait_quiet(a.quiet_wait, log)
                before = _load()
                rep = console_run(bed, scratch, codes[label]["path"], n, a.scale_presses, a.scale_workers,
                                  tag=f"-{label}{r}")
                rep.update(code=label, round=r, load_before=before, load_after=_load())
                runs.append(rep)
                log(f"bench --scale-console-ab: {label} round {r}: p50 {rep.get('keys_median_ms')} "
                    f"p95 {rep.get('keys_p95_ms')} loop {json.dumps(rep.get('loop'))[:300]}")
    finally:
        bed.down()
        close_ctl_cpu()
    meta = {"command": "python -m bench " + shlex.join(sys.argv[1:]),
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M"),
            "machine": report.machine(), "codes": {k: v["commit"] for k, v in codes.items()}, "hosts": n}
    out_md.write_text(render_ab(meta, runs))
    out_md.with_suffix(".json").write_text(json.dumps({"meta": meta, "runs": runs}, indent=1, default=str))
    log(f"bench --scale-console-ab: wrote {out_md}")
    return 0


def _threads(loop: dict[str, Any]) -> str:
    """The console's main thread CPU and its shard workers' (each) during the run."""
    main = sum(v for k, v in (loop.get("thread_cpu_s") or {}).items() if k.startswith("main "))
    kids = list((loop.get("child_cpu_s") or {}).values())
    return f"{main:.2f} / {' + '.join(f'{v:.2f}' for v in kids) or '-'}" if loop.get("thread_cpu_s") else "-"


def render_ab(meta: dict[str, Any], runs: list[dict[str, Any]]) -> str:
    m = meta["machine"]
    out = [f"# Console at {meta['hosts']} hosts: two code versions on one bed (issue 17)", "",
           f"Generated by `{meta['command']}` on {meta['date']} UTC. **A** = {meta['codes']['A']}, "
           f"**B** = {meta['codes']['B']} (HEAD). Runs alternate A B, B A, ... on one bed, so both meet "
           f"the same load; the other sessions' work on the same machine is that load.", "",
           f"**Machine:** {m.get('cores', '?')} cores, {m.get('python', '')}. Each run: the real console "
           f"headless, `:{CONSOLE_COMMAND}` on {meta['hosts']} hosts, key presses timed until their effect "
           f"is visible; a timer on every event-loop callback and every garbage collection during the run.", "",
           "| run | code | load before -> after | key p50 ms | key p95 ms | key max ms | longest loop callback ms "
           "| callbacks > 20 ms | GC gen 0/1/2: n, max ms | console CPU s | main thread / shard workers CPU s "
           "| loop: CPU / waiting for a core / for the GIL s | job s | peak RSS MB | job |",
           "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for i, r in enumerate(runs):
        lp = r.get("loop") or {}
        gc = lp.get("gc") or {}
        gcs = " / ".join(f"{gc.get(g, {}).get('n', '-')}, {gc.get(g, {}).get('max_ms', '-')}" for g in "012")
        out.append(f"| {i + 1} | {r['code']} | {r['load_before']} -> {r['load_after']} | "
                   f"{_f(r.get('keys_median_ms'), '{:.0f}')} | {_f(r.get('keys_p95_ms'), '{:.0f}')} | "
                   f"{_f(r.get('keys_max_ms'), '{:.0f}')} | {lp.get('loop_max_ms', '-')} | {lp.get('slow_callbacks', '-')} | "
                   f"{gcs} | {_f(r.get('cpu'))} | {_threads(lp)} | {lp.get('loop_cpu_s', '-')} / "
                   f"{lp.get('loop_core_wait_s', '-')} / {lp.get('loop_gil_wait_s', '-')} | {_f(r.get('run_s'))} | "
                   f"{_f(r.get('peak_rss_mb'), '{:.0f}')} | "
                   f"{', '.join(r.get('job_states', [])) or r.get('problems')} |")
    for label in ("A", "B"):
        mine = [r for r in runs if r["code"] == label]
        p95 = [r["keys_p95_ms"] for r in mine if r.get("keys_p95_ms") is not None]
        p50 = [r["keys_median_ms"] for r in mine if r.get("keys_median_ms") is not None]
        lm = [r["loop"]["loop_max_ms"] for r in mine if r.get("loop")]
        out += ["", f"**{label}** ({meta['codes'][label]}): key p50 median {_f(_median(p50), '{:.0f}')} ms, "
                    f"p95 median {_f(_median(p95), '{:.0f}')} ms, longest loop callback median "
                    f"{_f(_median(lm), '{:.0f}')} ms over {len(mine)} runs. Longest callbacks by total time "
                    f"(last run):", ""]
        last = mine[-1].get("loop", {}) if mine else {}
        out += [f"- {t['name']}: {t['n']} x, {t['total_ms']} ms total, max {t['max_ms']} ms"
                for t in last.get("slow_top", [])]
    return "\n".join(out) + "\n"


def main(a: argparse.Namespace, log: Callable[[str], None]) -> int:
    if a.scale_open_only:  # the console's open alone: no bed, fresh process per round
        from bench import scale_open_bench

        return scale_open_bench.main(a, log)
    if a.scale_console_ab:
        return console_ab(a, log)
    sizes = sorted(int(x) for x in a.scale_sizes.split(","))
    rounds = a.rounds or (1 if a.quick else 2)
    work = REPO / "bench" / ".work"
    work.mkdir(parents=True, exist_ok=True)
    out_md = Path(a.out) if a.out else REPO / "bench" / "RESULTS-scale.md"
    scratch = Path(tempfile.mkdtemp(prefix="scale-", dir=work))
    scratch.chmod(0o755)
    code = snapshot_tree(scratch) if a.scale_tree else snapshot_code(scratch)
    for t in ("ftl-tui",):
        ALL_TOOLS[t].src = code["path"]  # type: ignore[attr-defined]
    tools = [ALL_TOOLS["floor"], ALL_TOOLS["ftl-tui"]]
    load_start = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    kept: dict[str, Any] | None = None
    if a.scale_console_only:  # read before the bed is up: a missing file must not leave 1,000 hosts running
        kept = json.loads(out_md.with_suffix(".json").read_text())
    bed = ScaleBed(scratch, max(sizes))
    log(f"bench --scale: {max(sizes)} hosts on {bed.n_sshd} sshd in {scratch}; limits raised: {bed.limits}")
    recs: list[RunRecord] = []
    console = None
    try:
        for n in sizes if kept is None else []:
            recs += run_workload(ping_command(n), tools, bed, scratch, rounds, a.warmup, log, a.quiet_wait)
        if not a.scale_engine_only:
            if a.quiet_wait > 0:
                wait_quiet(a.quiet_wait, log)
            console = console_run(bed, scratch, code["path"], max(sizes), a.scale_presses, a.scale_workers)
            log(f"bench --scale: console {json.dumps(console)[:600]}")
    finally:
        bed.down()
        close_ctl_cpu()
    rows = summarize(recs, sizes) if kept is None else kept["rows"]
    meta = {"command": "python -m bench " + shlex.join(sys.argv[1:]),
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M"),
            "machine": report.machine(), "code": code["commit"], "warmup": a.warmup, "rounds": rounds,
            "load_start": load_start, "load_end": " ".join(Path("/proc/loadavg").read_text().split()[:3]),
            "bed": {"hosts": max(sizes), "sshd": bed.n_sshd, "limits": bed.limits}}
    if kept is not None:  # the engine rows were measured by the earlier run: say so
        meta["engine_run"] = {k: kept["meta"][k] for k in ("date", "code", "load_start", "load_end", "command")}
        meta["bed"] = kept["meta"]["bed"]
        recs = [RunRecord(**r) for r in kept["records"]]
    notes = REPO / "bench" / ("scale_engine_notes.md" if a.scale_engine_only else "scale_notes.md")
    if notes.exists():
        meta["notes"] = notes.read_text().strip()
    out_md.write_text(render(meta, rows, console))
    out_md.with_suffix(".json").write_text(json.dumps(
        {"meta": meta, "rows": rows, "console": console,
         "records": [r.__dict__ for r in recs]}, indent=1, default=str))
    log(f"bench --scale: wrote {out_md}")
    return 0
