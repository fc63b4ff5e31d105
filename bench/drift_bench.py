"""Drift report benchmark: 50 hosts x ~2,000 resources, latest vs previous.

Not a test. Builds two snapshots per host in a temporary state directory (through the
real SnapshotStore: gzip content files + the state-store index), with realistic drift
(a package bumped on 40 hosts, file edits with content diffs, new ports, users, a
stopped service), then times the whole report (load both snapshots of every host,
diff, ignore, classify, correlate) and the renderers. Prints a Markdown table.

    python bench/drift_bench.py [--hosts 50] [--resources 2000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path

from ftltui.drift.compare import ReportOptions, Selection, build_report
from ftltui.drift.ignore import parse_ignore
from ftltui.drift.model import Resource
from ftltui.drift.report import render
from ftltui.drift.store import SnapshotStore, open_store


def host_resources(rng: random.Random, n: int) -> list[Resource]:
    res = [Resource("os", "os", {"distribution": "debian", "version": "12", "kernel": "6.1.0-25-amd64"})]
    n_pkg = int(n * 0.7)
    for i in range(n_pkg):
        res.append(Resource("package", f"pkg{i:04d}", {"version": f"{i % 7}.{i % 13}.{i % 5}-1", "arch": "amd64", "manager": "dpkg"}))
    for i in range(int(n * 0.08)):
        res.append(Resource("service", f"svc{i:03d}.service", {"load": "loaded", "active": "active", "sub": "running"}))
    for i in range(40):
        res.append(Resource("user", f"user{i:02d}", {"uid": 1000 + i, "gid": 1000 + i, "gecos": "", "home": f"/home/user{i:02d}", "shell": "/bin/bash"}))
        res.append(Resource("group", f"group{i:02d}", {"gid": 1000 + i, "members": [f"user{i:02d}"]}))
    for i in range(20):
        res.append(Resource("port", f"tcp/0.0.0.0:{8000 + i}", {"proto": "tcp", "address": "0.0.0.0", "port": 8000 + i, "process": "app"}))
    while len(res) < n:
        i = len(res)
        content = "".join(f"setting_{j} = {j * i}\n" for j in range(40))
        res.append(Resource("file", f"/etc/app/conf{i:04d}.conf", {"mode": "0644", "owner": "root", "group": "root",
                                                                   "kind": "file", "size": len(content), "sha256": f"{i:064x}", "content": content}))
    return res


def drift(rng: random.Random, host: int, before: list[Resource]) -> list[Resource]:
    out = {r.key: r for r in before}
    out[("package", "pkg0001")] = Resource("package", "pkg0001", {"version": "1.1.2-1" if host < 40 else "2.0.0-1", "arch": "amd64", "manager": "dpkg"})
    files = [r for r in before if r.type == "file"]
    for r in rng.sample(files, 3):
        text = r.fields["content"].replace("setting_7 =", "setting_7 = changed")
        out[r.key] = Resource("file", r.id, {**r.fields, "content": text, "sha256": "f" * 64})
    out[("port", "tcp/0.0.0.0:4444")] = Resource("port", "tcp/0.0.0.0:4444", {"proto": "tcp", "address": "0.0.0.0", "port": 4444, "process": "nc"})
    if host % 5 == 0:
        out[("user", "mallory")] = Resource("user", "mallory", {"uid": 1666, "gid": 1666, "gecos": "", "home": "/home/m", "shell": "/bin/sh"})
        out[("service", "svc001.service")] = Resource("service", "svc001.service", {"load": "loaded", "active": "inactive", "sub": "dead"})
    for k in rng.sample([k for k in out if k[0] == "package"], 5):
        r = out[k]
        out[k] = Resource("package", r.id, {**r.fields, "version": r.fields["version"] + "+b1"})
    return list(out.values())


def populate(store: SnapshotStore, hosts: int, resources: int) -> list[tuple[str, tuple[str, ...]]]:
    rng = random.Random(42)
    names = []
    for h in range(hosts):
        name = f"web{h:02d}"
        before = host_resources(rng, resources)
        store.save(name, before, time=1_000_000 + h, collector_version="1")
        store.save(name, drift(rng, h, before), time=2_000_000 + h, collector_version="1")
        names.append((name, ("web",)))
    return names


def timed(fn, repeat: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--hosts", type=int, default=50)
    ap.add_argument("--resources", type=int, default=2000)
    ap.add_argument("--repeat", type=int, default=5)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        t = time.perf_counter()
        with open_store(Path(d)) as store:
            names = populate(store, a.hosts, a.resources)
        populate_s = time.perf_counter() - t
        ignore = parse_ignore("*:package:pkg0003\n")
        opts = ReportOptions(ignore=ignore, now=0.0)

        def report_cold():
            with open_store(Path(d), readonly=True) as s:  # fresh store: index + every content file read
                return build_report(s, names, Selection(), opts)

        cold_s, report = timed(report_cold, a.repeat)
        with open_store(Path(d), readonly=True) as s:
            loaded = {m.id: s.load_map(m) for m in s.metas()}
            from ftltui.drift.compare import finish_report, host_changes, pick

            def compute_only():
                raw, comps = [], []
                for host, groups in names:
                    comp = pick(s, host, groups, Selection())
                    comps.append(comp)
                    raw.extend(host_changes(s, comp, loaded))
                return finish_report(raw, comps, opts)

            hot_s, _ = timed(compute_only, a.repeat)
        render_s = {fmt: timed(lambda f=fmt: render(report, f), a.repeat)[0] for fmt in ("table", "json", "markdown")}
    total_res = sum(len(x) for x in loaded.values()) // 2
    print("| hosts | resources/host | changes | distinct groups | report (cold: load + diff + classify + correlate) | compute only (snapshots in memory) | table | json | markdown | populate |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    print(f"| {a.hosts} | {total_res // a.hosts} | {len(report.changes)} | {len(report.groups)} | {cold_s:.3f} s | {hot_s:.3f} s | "
          f"{render_s['table']:.3f} s | {render_s['json']:.3f} s | {render_s['markdown']:.3f} s | {populate_s:.1f} s |")


if __name__ == "__main__":
    main()
