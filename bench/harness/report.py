"""bench/RESULTS.md and bench/results.json from the run records."""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
from pathlib import Path
from typing import Any

from bench.harness.bed import REPO
from bench.harness.runner import RunRecord, records_json
from bench.harness.stats import paired_ratio, summary
from bench.harness.workloads import Workload

ANALYSIS = Path(__file__).resolve().parent / "analysis.md"


def machine() -> dict[str, Any]:
    model = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    mem = Path("/proc/meminfo").read_text().split("\n")[0].split()[1]
    sha = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True,
                         text=True).stdout.strip()
    return {"cores": os.cpu_count(), "cpu": model, "mem_gb": round(int(mem) / 2**20, 1),
            "kernel": platform.release(), "python": platform.python_version(), "ftl_tui_commit": sha}


def _walls(recs: list[RunRecord], tool: str, rounds: int) -> list[float | None]:
    out: list[float | None] = [None] * rounds
    for r in recs:
        if r.tool == tool and not r.warmup and r.ok:
            out[r.round] = r.wall
    return out


def _cpus(recs: list[RunRecord], tool: str, rounds: int) -> list[float | None]:
    """Controller + hosts CPU seconds per measured round (None where the run was wrong)."""
    out: list[float | None] = [None] * rounds
    for r in recs:
        if r.tool == tool and not r.warmup and r.ok:
            out[r.round] = r.cpu + r.host_cpu
    return out


def summarize(w: Workload, recs: list[RunRecord], tools: list[str], rounds: int) -> dict[str, Any]:
    mine = [r for r in recs if r.workload == w.key]
    res: dict[str, Any] = {"title": w.title, "hosts": w.hosts, "tasks": w.n_tasks, "note": w.note, "tools": {},
                           "skipped": {t: why for t, why in w.skip.items() if t in tools}}
    floor = _walls(mine, "floor", rounds)
    ftl = _walls(mine, "ftl-tui", rounds)
    for t in tools:
        tr = [r for r in mine if r.tool == t and not r.warmup]
        if not tr:
            continue
        good = [r for r in tr if r.ok]
        walls = _walls(mine, t, rounds)
        res["tools"][t] = {
            "ok_runs": len(good), "runs": len(tr),
            "wall": summary([r.wall for r in good]),
            "peak_pss_mb": summary([r.peak_pss_mb for r in good]),
            "peak_rss_mb": summary([r.peak_rss_mb for r in good]),
            "cpu_s": summary([r.cpu for r in good]),
            "host_cpu_s": summary([r.host_cpu for r in good]),
            "others_pct": summary([100 * r.others_cpu / ((r.wall + 0.3) * (os.cpu_count() or 1))
                                   for r in good if r.others_cpu is not None]),
            "x_floor": paired_ratio(walls, floor) if t != "floor" else 1.0,
            "x_ftl_tui": paired_ratio(walls, ftl),
            "problems": sorted({p for r in tr for p in r.problems})[:5],
            "inner": summary([r.extra["inner"] for r in good if "inner" in r.extra]),
        }
        steps = [r.extra["steps"] for r in good if r.extra.get("steps")]
        if steps:
            res["tools"][t]["steps_median"] = [statistics.median(s[i] for s in steps) for i in range(len(steps[0]))]
    return res


def _f(v: float | None, fmt: str = "{:.2f}") -> str:
    return "–" if v is None else fmt.format(v)


def derived(summ: dict[str, Any], recs: list[RunRecord], rounds: int) -> dict[str, Any]:
    """Workload-2 per host-task overhead and the issue's targets."""
    out: dict[str, Any] = {"overhead_ms": {}, "targets": []}
    w1 = next((k for k in summ if k.startswith("w2-1x")), None)
    w20 = next((k for k in summ if k.startswith("w2-20x")), None)
    if w1 and w20:
        n = summ[w20]["hosts"]
        for t in summ[w20]["tools"]:
            if t == "floor":
                continue
            r20 = [r for r in recs if r.workload == w20]
            r1 = [r for r in recs if r.workload == w1]
            a, b = _walls(r20, t, rounds), _walls(r1, t, rounds)
            per = [(x - y) / (19 * n) * 1000 for x, y in zip(a, b) if x is not None and y is not None]
            entry: dict[str, Any] = {"wall_diff": statistics.median(per) if per else None}
            ca, cb = _cpus(r20, t, rounds), _cpus(r1, t, rounds)
            cpu = [(x - y) / (19 * n) * 1000 for x, y in zip(ca, cb) if x is not None and y is not None]
            entry["cpu_diff"] = statistics.median(cpu) if cpu else None
            st = summ[w20]["tools"][t].get("steps_median")
            if st and len(st) > 1:  # in-process: each later step is one task on n hosts, connected
                entry["in_process"] = statistics.median(st[1:]) / n * 1000
            out["overhead_ms"][t] = entry
    big = max((k for k in summ if k.startswith("w1-")), key=lambda k: summ[k]["hosts"], default=None)

    def tgt(name: str, value: float | None, ok: bool | None, goal: str) -> None:
        out["targets"].append({"target": name, "goal": goal, "value": value,
                               "met": None if value is None else ok})

    if big:
        ft = summ[big]["tools"].get("ftl-tui", {})
        v = ft.get("x_floor")
        tgt(f"{big}: ftl-tui within 1.5x of floor", v, v is not None and v <= 1.5, "<= 1.5")
        for peer, goal in (("ansible", 10), ("ftl2", 4)):
            v = summ[big]["tools"].get(peer, {}).get("x_ftl_tui")
            tgt(f"{big}: ftl-tui faster than {peer}", v, v is not None and v >= goal, f">= {goal}x")
    if w20:
        e = out["overhead_ms"].get("ftl-tui", {})
        v = e.get("in_process")
        tgt("w2: ftl-tui overhead per host-task once connected (ms, in-process)", v, v is not None and v < 2, "< 2 ms")
    if "w3" in summ:
        v = summ["w3"]["tools"].get("ansible", {}).get("x_ftl_tui")
        tgt("w3: ftl-tui faster than ansible", v, v is not None and v >= 20, ">= 20x")
    mems = [summ[k]["tools"].get("ftl-tui", {}).get("peak_rss_mb", {}).get("max") for k in summ
            if summ[k]["hosts"] >= 50]
    mems = [m for m in mems if m is not None]
    if mems:
        tgt("ftl-tui controller peak RSS at 50 hosts (MB)", max(mems), max(mems) < 150, "< 150 MB")
    return out


def write(path_md: Path, path_json: Path, meta: dict[str, Any], workloads: list[Workload],
          recs: list[RunRecord], tools: list[str], rounds: int) -> None:
    summ = {w.key: summarize(w, recs, tools, rounds) for w in workloads}
    der = derived(summ, recs, rounds)
    path_json.write_text(json.dumps({"meta": meta, "summary": summ, "derived": der,
                                     "runs": records_json(recs)}, indent=1, default=str))
    m = meta["machine"]
    L = ["# ftl-tui benchmarks", "",
         f"Generated by `{meta['command']}` on {meta['date']}; ftl-tui code: a copy of `ftltui/` taken when "
         f"the run started, at {meta['versions'].get('ftl-tui', m['ftl_tui_commit'])}.", "",
         *[f"Re-run later with `{r['command']}` on {r['date']} (code {r['versions'].get('ftl-tui')}): "
           f"{', '.join(r['workloads'])}; load {r['load_start']} at start.\n" for r in meta.get("reruns", [])],
         f"**Machine:** {m['cores']} cores ({m['cpu']}), {m['mem_gb']} GB, Linux {m['kernel']}; "
         f"load average {meta['load_start']} at start, {meta['load_end']} at end "
         f"(other work may have shared the machine: see `loadavg_before` per run in results.json).",
         "",
         "**The hosts and the controller share this machine's "
         f"{m['cores']} cores**: every \"host\" is an OpenSSH `sshd` on a loopback address of this machine "
         "(tests/testbed.py), logging in as the throwaway user `ftltest` with an empty home. Figures "
         "therefore include the hosts' CPU (sshd, remote Python) competing with the controller.",
         "",
         f"**Peers:** {', '.join(f'{k} {v}' for k, v in meta['versions'].items())}.",
         "",
         f"**Method:** each tool is a fresh subprocess per run (interpreter start-up included); tools run in "
         f"alternation ({' '.join(tools)} {' '.join(tools)} ...), {meta['warmup']} warm-up round then "
         f"{rounds} measured rounds. Ratios are medians of per-round ratios. Memory is the peak, sampled "
         "every 50 ms, of the summed PSS (and RSS) of the tool's whole process tree (forks, ssh clients). "
         "CPU s = the controller's process tree, host CPU s = every sshd/session/gate/module process of "
         "the hosts (both from cgroup-v1 cpuacct groups, so re-parented processes count); others' CPU % = "
         "CPU used by unrelated processes during the run, as a share of the machine (noise indicator). "
         "Before each round the harness waits (up to --quiet-wait s) for the CPUs to be >= 75% idle. "
         "Every run is checked: the tool's own report (driver result checks / ansible PLAY RECAP) and the "
         "files it should have written, read back from the filesystem after the timed part; a wrong run "
         "does not count.",
         "", "**Settings:** ansible-playbook with pipelining = True, forks = hosts, gather_facts: false, "
         "host key checking on with the bed's known_hosts, a fresh ControlPath directory per run. "
         "ftl-tui: one `Executor(inventory, forks=hosts)` per run, steps through `Executor.run` "
         "(fan-out steps gathered). FTL2: its `automation()` context, `run_on` per host (it does not "
         "template per host), FTL2_TELEMETRY=off, known_hosts via $HOME. Floor: asyncssh opens N "
         "connections and runs `python3 -c pass` on each, nothing else.", ""]
    L += ["## Targets (issue 7)", "", "| target | goal | measured | met |", "|---|---|---|---|"]
    for t in der["targets"]:
        met = "–" if t["met"] is None else ("**met**" if t["met"] else "**missed**")
        L.append(f"| {t['target']} | {t['goal']} | {_f(t['value'])} | {met} |")
    L += ["", "## Results", ""]
    for key, s in summ.items():
        L += [f"### {key}: {s['title']}", ""]
        if s["note"]:
            L += [s["note"], ""]
        L += ["| tool | ok runs | median s | min s | max s | × floor | ÷ ftl-tui | peak PSS MB | peak RSS MB | CPU s | host CPU s | others' CPU % |",
              "|---|---|---|---|---|---|---|---|---|---|---|---|"]
        for t, d in s["tools"].items():
            w = d["wall"]
            L.append(f"| {t} | {d['ok_runs']}/{d['runs']} | {_f(w.get('median'))} | {_f(w.get('min'))} | "
                     f"{_f(w.get('max'))} | {_f(d['x_floor'])} | {_f(d['x_ftl_tui'])} | "
                     f"{_f(d['peak_pss_mb'].get('median'), '{:.0f}')} | {_f(d['peak_rss_mb'].get('median'), '{:.0f}')} | "
                     f"{_f(d['cpu_s'].get('median'))} | {_f(d['host_cpu_s'].get('median'))} | "
                     f"{_f(d['others_pct'].get('median'), '{:.0f}')} |")
        for t, why in s["skipped"].items():
            L.append(f"| {t} | not run: {why} | | | | | | | | | | |")
        bad = {t: d["problems"] for t, d in s["tools"].items() if d["problems"]}
        for t, ps in bad.items():
            L.append(f"\n{t} wrong/failed runs: " + "; ".join(p[:160] for p in ps))
        L.append("")
    if der["overhead_ms"]:
        L += ["## Workload 2: per host-task cost once connected", "",
              "`wall_diff` = (t(20 tasks) − t(1 task)) / (19 × hosts), paired per round: the extra wall "
              "time each additional host-task costs with the hosts working in parallel on the shared cores. "
              "`in_process` (drivers only) = median wall time of steps 2..20 measured inside the run, / hosts: "
              "the same without start-up and connection. `cpu_diff` = the same difference in CPU time "
              "(controller + hosts, from cgroups): what one more host-task costs the machine, the figure "
              "least disturbed by other load.", "",
              "| tool | wall_diff ms | in_process ms | cpu_diff ms |", "|---|---|---|---|"]
        for t, e in der["overhead_ms"].items():
            L.append(f"| {t} | {_f(e.get('wall_diff'))} | {_f(e.get('in_process'))} | {_f(e.get('cpu_diff'))} |")
        L.append("")
    if ANALYSIS.exists():
        L += [ANALYSIS.read_text().strip(), ""]
    path_md.write_text("\n".join(L))


def _stored_workloads(data: dict[str, Any]) -> list[Any]:
    from types import SimpleNamespace

    return [SimpleNamespace(key=k, title=s["title"], hosts=s["hosts"], n_tasks=s["tasks"], note=s["note"],
                            skip=s.get("skipped", {})) for k, s in data["summary"].items()]


def _tool_order(recs: list[RunRecord]) -> list[str]:
    order = ["floor", "ftl-tui", "ftl-tui play", "ansible", "ftl2"]
    seen = set(r.tool for r in recs)
    return [t for t in order if t in seen] + sorted(seen - set(order))


def rewrite(path_json: Path, path_md: Path) -> None:
    """Re-render RESULTS.md from a results.json (e.g. after editing analysis.md); no new runs."""
    data = json.loads(path_json.read_text())
    recs = [RunRecord(**r) for r in data["runs"]]
    write(path_md, path_json, data["meta"], _stored_workloads(data), recs, _tool_order(recs),
          data["meta"]["rounds"])


def merge(path_md: Path, path_json: Path, meta: dict[str, Any], workloads: list[Workload],
          recs: list[RunRecord]) -> None:
    """Replace the re-run workloads' records in an existing results.json; note the re-run."""
    data = json.loads(path_json.read_text())
    if data["meta"]["rounds"] != meta["rounds"]:
        raise SystemExit(f"bench: --merge needs the same --rounds as {path_json} ({data['meta']['rounds']})")
    keys = {w.key for w in workloads}
    old = [RunRecord(**r) for r in data["runs"] if r["workload"] not in keys]
    wls = [next((w for w in workloads if w.key == s.key), s) for s in _stored_workloads(data)]
    wls += [w for w in workloads if w.key not in {s.key for s in wls}]
    m = data["meta"]
    m.setdefault("reruns", []).append({"workloads": sorted(keys), "date": meta["date"],
                                       "command": meta["command"], "versions": meta["versions"],
                                       "load_start": meta["load_start"], "load_end": meta["load_end"]})
    all_recs = old + recs
    write(path_md, path_json, m, wls, all_recs, _tool_order(all_recs), m["rounds"])  # type: ignore[arg-type]
