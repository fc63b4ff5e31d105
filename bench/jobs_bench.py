"""Benchmark of the durable job queue (not a test): ``python bench/jobs_bench.py [N]``.

Measures, on the disk holding ``bench/.work``:
* raw cost of append + fdatasync (the floor every durable write pays);
* enqueue + run N no-op jobs (3 transitions each: queued, running, succeeded);
  per-transition durable write latency (submit -> its fsync returned), median/p99,
  and durable transitions per second under load (group commit);
* start-up time (open the store + queue recovery scan) with N jobs stored, after a
  clean close and after a kill (journal replay).
Writes bench/RESULTS-jobs.md.
"""

from __future__ import annotations

import asyncio
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ftltui.jobs import JobQueue  # noqa: E402
from ftltui.state import StateStore  # noqa: E402
from ftltui.state import journal as journal_mod  # noqa: E402

ROOT = Path(__file__).resolve().parent
WORK = ROOT / ".work"


def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


def raw_fsync(d: Path, n: int = 2000) -> list[float]:
    fd = os.open(d / "raw.bin", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    out = []
    line = b"x" * 200 + b"\n"
    for _ in range(n):
        t = time.perf_counter()
        os.write(fd, line)
        os.fdatasync(fd)
        out.append(time.perf_counter() - t)
    os.close(fd)
    return out


async def run_jobs(state: Path, n: int, tickets: list) -> dict[str, float]:
    store = StateStore.open(state)
    q = JobQueue(store, concurrency=64)
    await q.start()
    transitions = 0

    def count(ev) -> None:
        nonlocal transitions
        if getattr(ev, "transition", ""):
            transitions += 1

    q.bus.subscribe(count)
    t0 = time.perf_counter()
    batch = 256  # enqueue from many tasks at once, as a busy console would
    for i in range(0, n, batch):
        await asyncio.gather(*(q.enqueue("noop", {"i": j}) for j in range(i, min(n, i + batch))))
    await q.drain()
    wall = time.perf_counter() - t0
    await q.stop()
    store.close()
    return {"wall": wall, "transitions": transitions}


async def startup(state: Path) -> float:
    t = time.perf_counter()
    store = StateStore.open(state)
    q = JobQueue(store)
    await q.start()
    took = time.perf_counter() - t
    await q.stop()
    store.close()
    return took


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    WORK.mkdir(exist_ok=True)
    d = Path(tempfile.mkdtemp(dir=WORK, prefix="jobs-"))
    try:
        raw = raw_fsync(d)
        tickets: list = []
        orig = journal_mod.JournalWriter.submit

        def submit(self, seq, record):  # type: ignore[no-untyped-def]
            t = orig(self, seq, record)
            tickets.append(t)
            return t

        journal_mod.JournalWriter.submit = submit  # type: ignore[method-assign]
        res = asyncio.run(run_jobs(d / "state", n, tickets))
        journal_mod.JournalWriter.submit = orig  # type: ignore[method-assign]
        lat = [t.latency for t in tickets if t.latency is not None]
        clean = min(asyncio.run(startup(d / "state")) for _ in range(3))
        size = (d / "state" / "state.json").stat().st_size
        # after a kill: journal records since the last checkpoint must be replayed
        s = StateStore.open(d / "state")
        for doc_id in s.table("jobs").ids()[:5000]:
            s.table("jobs").update(doc_id, {"note": "touched"}, wait=False)
        s.flush()
        s._writer.close()
        s._release_lock()
        t = time.perf_counter()
        s = StateStore.open(d / "state")
        dirty = time.perf_counter() - t
        replayed = s.replayed
        s.close()
    finally:
        shutil.rmtree(d, ignore_errors=True)
    ms = lambda x: f"{x * 1000:.2f} ms"  # noqa: E731
    rate = res["transitions"] / res["wall"]
    report = f"""# Job queue benchmark

`python bench/jobs_bench.py {n}` on {platform.node()} ({os.cpu_count()} cores, Python {platform.python_version()}),
state on the disk under `bench/.work` ({time.strftime('%Y-%m-%d %H:%M')}); load average at start
{os.getloadavg()[0]:.2f} (the machine is shared with other work: numbers vary between runs).

| measure | result | target |
|---|---|---|
| raw append + fdatasync, median / p99 | {ms(statistics.median(raw))} / {ms(pct(raw, 99))} | (floor) |
| durable write latency per commit (submit -> fsync returned), median | {ms(statistics.median(lat))} | < 3 ms |
| same, p99 | {ms(pct(lat, 99))} | < 20 ms |
| durable job transitions per second ({n} no-op jobs, 3 transitions each, 64 workers) | {rate:,.0f}/s | >= 2,000/s |
| enqueue + run {n} jobs, wall | {res['wall']:.2f} s | |
| start-up with {n} jobs stored (open + recovery scan), clean close | {ms(clean)} | < 1 s |
| start-up after a kill, replaying {replayed} journal records | {ms(dirty)} | < 1 s |
| checkpoint size (`state.json`, TinyDB format) | {size / 1e6:.1f} MB | |

Commits measured: {len(lat)} (every job transition and every other store write; a
transition and its attempt record share one commit). A commit counts once its
fdatasync returned; many transitions share one fsync (group commit), which is why the
throughput is far above 1/fsync while each commit's latency stays near the raw fsync cost.
"""
    (ROOT / "RESULTS-jobs.md").write_text(report)
    print(report)


if __name__ == "__main__":
    main()
