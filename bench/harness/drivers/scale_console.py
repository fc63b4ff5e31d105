"""The console with a big inventory: time to open it, then key latency while a run streams.

Reads a JSON spec (inventory, state dir, presses, command) from argv; prints one JSON line.
Runs the real ``FtlApp`` headless (``App.run_test``), as bench/tui_bench.py does:

1. open: from creating the app to the inventory tree built with every host
   (``app.inventory`` loaded and the Inventory pane's tree holding its groups);
2. keys: the run is started with the ``:run`` command line (a job on the job queue, the
   console's executor at forks = hosts); while it is running, pane switches, scroll and
   follow keys are handed to the app's driver, each timed until its effect is visible.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")


class LoopProbe:
    """A timer on every event-loop callback and every garbage collection, for the report:
    what the key presses waited behind (the longest callbacks by name, GC pauses per
    generation). ``Handle._run`` is plain Python in asyncio, so wrapping it costs ~1 us
    per callback; only callbacks over ``SLOW`` keep a name."""

    SLOW = 0.02
    SPAN = 0.005  # callbacks (and collections) at least this long are kept with their times, for blockers()

    def __init__(self) -> None:
        import gc
        from asyncio import events

        self.handle = events.Handle
        self.orig = events.Handle._run
        self.slow: list[tuple[float, str]] = []
        self.spans: list[tuple[float, float, float, str]] = []  # (start, end, CPU s, name)
        self.count = 0
        self.cpu: dict[str, list[Any]] = {}  # name -> [calls, CPU s, max CPU s, wall s]
        self.gc: dict[int, list[float]] = {0: [], 1: [], 2: []}
        self._gc_t = self._gc_c = 0.0
        self.gc_cpu: dict[int, list[float]] = {0: [], 1: [], 2: []}
        self.threads = ThreadCpu()
        probe = self
        sched = _schedstat_reader()

        def _run(handle: Any) -> None:
            t, c, q = time.perf_counter(), time.thread_time(), sched()
            probe.orig(handle)
            d, cpu, rq = time.perf_counter() - t, time.thread_time() - c, sched() - q
            probe.count += 1
            name = _name(handle)
            agg = probe.cpu.get(name)
            if agg is None:
                agg = probe.cpu[name] = [0, 0.0, 0.0, 0.0, 0.0, 0.0]
            agg[0] += 1
            agg[1] += cpu
            agg[2] = max(agg[2], cpu)
            agg[3] += d
            agg[4] += rq  # runnable, waiting for a core (the kernel's run_delay)
            agg[5] += max(0.0, d - cpu - rq)  # neither running nor runnable: the GIL (no I/O in a callback)
            if d > probe.SLOW:
                probe.slow.append((d, name))
            if d > probe.SPAN:
                probe.spans.append((t, t + d, cpu, name))

        def on_gc(phase: str, info: dict) -> None:
            if phase == "start":
                probe._gc_t, probe._gc_c = time.perf_counter(), time.thread_time()
            else:
                if time.perf_counter() - probe._gc_t > probe.SPAN:
                    probe.spans.append((probe._gc_t, time.perf_counter(), time.thread_time() - probe._gc_c,
                                        f"gc gen {info['generation']}"))
                probe.gc[info["generation"]].append(time.perf_counter() - probe._gc_t)
                probe.gc_cpu[info["generation"]].append(time.thread_time() - probe._gc_c)

        self._run, self._on_gc, self._gcmod = _run, on_gc, gc

    def start(self) -> None:
        self.threads.start()
        self.handle._run = self._run  # type: ignore[method-assign]
        self._gcmod.callbacks.append(self._on_gc)

    def stop(self) -> dict:
        self.handle._run = self.orig  # type: ignore[method-assign]
        self._gcmod.callbacks.remove(self._on_gc)
        threads = self.threads.stop()
        by: dict[str, list[float]] = {}
        for d, name in self.slow:
            by.setdefault(name, []).append(d)
        top = sorted(by.items(), key=lambda kv: -sum(kv[1]))[:8]
        cpu_top = sorted(self.cpu.items(), key=lambda kv: -kv[1][1])[:10]
        return {"callbacks": self.count, "slow_callbacks": len(self.slow),
                "loop_cpu_s": round(sum(v[1] for v in self.cpu.values()), 2),
                "loop_max_cpu_ms": round(max((v[2] for v in self.cpu.values()), default=0.0) * 1000, 1),
                "loop_wall_s": round(sum(v[3] for v in self.cpu.values()), 2),
                "loop_core_wait_s": round(sum(v[4] for v in self.cpu.values()), 2),
                "loop_gil_wait_s": round(sum(v[5] for v in self.cpu.values()), 2),
                "cpu_top": [{"name": k, "n": v[0], "cpu_ms": round(v[1] * 1000), "max_cpu_ms": round(v[2] * 1000, 1),
                             "wall_ms": round(v[3] * 1000), "core_wait_ms": round(v[4] * 1000),
                             "gil_wait_ms": round(v[5] * 1000)} for k, v in cpu_top],
                **threads,
                "loop_max_ms": round(max((d for d, _ in self.slow), default=0.0) * 1000, 1),
                "slow_top": [{"name": k, "n": len(v), "total_ms": round(sum(v) * 1000), "max_ms": round(max(v) * 1000)}
                             for k, v in top],
                "gc": {str(g): {"n": len(v), "total_ms": round(sum(v) * 1000), "max_ms": round(max(v, default=0) * 1000),
                           "cpu_ms": round(sum(self.gc_cpu[g]) * 1000), "max_cpu_ms": round(max(self.gc_cpu[g], default=0) * 1000)}
                       for g, v in self.gc.items()}}


def blockers(spans: list[tuple[float, float, float, str]], presses: list[tuple[str, float, float]],
             worst: int = 5) -> list[dict]:
    """The slowest presses and what ran on the loop while each waited: every callback or
    collection of 5 ms or more that overlapped it (wall and CPU ms inside the wait)."""
    out = []
    for key, t0, t1 in sorted(presses, key=lambda p: p[1] - p[2])[:worst]:
        over = [(min(e, t1) - max(s, t0), cpu, name, e - s) for s, e, cpu, name in spans if s < t1 and e > t0]
        out.append({"key": key, "ms": round((t1 - t0) * 1000),
                    "blockers": [{"name": n[:70], "in_wait_ms": round(w * 1000), "wall_ms": round(full * 1000),
                                  "cpu_ms": round(c * 1000, 1)} for w, c, n, full in sorted(over, reverse=True)[:4]]})
    return out


def _schedstat_reader() -> Callable[[], float]:
    """Seconds this thread has spent runnable but not running (``run_delay`` in
    /proc/thread-self/schedstat): waiting for a core. A callback's wall time minus its CPU
    and this is the time it was blocked; a callback does no I/O, so that is the GIL."""
    try:
        fd = os.open("/proc/thread-self/schedstat", os.O_RDONLY)
    except OSError:
        return lambda: 0.0
    return lambda: int(os.pread(fd, 128, 0).split()[1]) / 1e9


class ThreadCpu:
    """CPU per thread of this process (named from ``threading``) and per child process
    (the engine's shard workers), between :meth:`start` and :meth:`stop`, from /proc:
    where the console process's CPU goes besides the event loop."""

    def __init__(self) -> None:
        self.tick = os.sysconf("SC_CLK_TCK")
        self.t0: dict[str, float] = {}
        self.p0: dict[str, float] = {}
        self.main_delay0 = 0.0

    def _stat(self, path: str) -> tuple[str, float] | None:
        try:
            raw = Path(path).read_text()
        except OSError:
            return None
        comm, rest = raw[raw.index("(") + 1:raw.rindex(")")], raw[raw.rindex(")") + 2:].split()
        return comm, (int(rest[11]) + int(rest[12])) / self.tick  # utime + stime

    def _threads(self) -> dict[str, float]:
        names = {t.native_id: t.name for t in threading.enumerate()}
        out: dict[str, float] = {}
        for tid in os.listdir("/proc/self/task"):
            st = self._stat(f"/proc/self/task/{tid}/stat")
            if st:
                name = "main" if int(tid) == os.getpid() else names.get(int(tid), st[0])
                key = f"{name} ({tid})"
                out[key] = out.get(key, 0.0) + st[1]
        return out

    def _children(self) -> dict[str, float]:
        kids, todo = {}, [os.getpid()]
        while todo:
            pid = todo.pop()
            for tid in os.listdir(f"/proc/{pid}/task") if os.path.isdir(f"/proc/{pid}/task") else []:
                try:
                    child = Path(f"/proc/{pid}/task/{tid}/children").read_text().split()
                except OSError:
                    continue
                for c in child:
                    st = self._stat(f"/proc/{c}/stat")
                    if st:
                        kids[f"{st[0]} ({c})"] = st[1]
                        todo.append(int(c))
        return kids

    def start(self) -> None:
        self.t0, self.p0 = self._threads(), self._children()
        self.main_delay0 = self._main_delay()

    def _main_delay(self) -> float:
        try:
            return int(Path(f"/proc/self/task/{os.getpid()}/schedstat").read_text().split()[1]) / 1e9
        except OSError:
            return 0.0

    def stop(self) -> dict:
        t1, p1 = self._threads(), self._children()
        threads = {k: round(v - self.t0.get(k, 0.0), 2) for k, v in t1.items()}
        procs = {k: round(v - self.p0.get(k, 0.0), 2) for k, v in p1.items()}
        return {"thread_cpu_s": {k: v for k, v in sorted(threads.items(), key=lambda kv: -kv[1]) if v > 0},
                "child_cpu_s": {k: v for k, v in sorted(procs.items(), key=lambda kv: -kv[1]) if v > 0},
                "main_core_wait_s": round(self._main_delay() - self.main_delay0, 2)}


def _autogroup() -> str:
    """This process's scheduling autogroup and its nice (empty without autogroup scheduling)."""
    try:
        return Path("/proc/self/autogroup").read_text().strip()
    except OSError:
        return ""


def _name(handle: Any) -> str:
    """A callback's name: a task's coroutine for a task step, else the function's."""
    cb = handle._callback
    task = getattr(cb, "__self__", None)
    coro = getattr(task, "get_coro", None)
    if coro is not None:
        c, name = coro(), task.get_name()
        label = "" if name.startswith("Task-") else f" [{name[:60]}]"
        return f"task {getattr(c, '__qualname__', type(c).__name__)}{label}"
    return getattr(cb, "__qualname__", None) or repr(cb)[:80]


async def main(spec: dict) -> dict:
    t0 = time.perf_counter()
    # Diagnostic only (bench/scale_notes.md, session 9): the console's CPU priority, to see how
    # much of the key latency is the share of the cores its thread gets next to 1,000 hosts.
    # With autogroup scheduling (kernel.sched_autogroup_enabled, on here) each session is
    # scheduled as one group, every sshd session of the bed its own: a process's nice only
    # ranks it inside its session, so the session's (autogroup) nice is set too. Negative
    # values need root. The shard workers start sessions of their own and keep theirs.
    nice = os.environ.get("FTL_BENCH_CONSOLE_NICE", "").strip()
    if nice:
        os.setpriority(os.PRIO_PROCESS, 0, int(nice))
        with contextlib.suppress(OSError):
            Path("/proc/self/autogroup").write_text(nice)
    from ftltui.config.loader import load_config
    from ftltui.jobs.model import TERMINAL
    from ftltui.tui.app import FtlApp

    sys.path.insert(0, spec["bench"])
    from tui_bench import SIZE, _latency, _press_keys  # type: ignore[import-not-found]

    n = spec["n_hosts"]
    cfg = load_config(Path(spec["state"]).parent, dict(os.environ, ANSIBLE_FORKS=str(n)))
    t_import = time.perf_counter() - t0
    start = time.perf_counter()
    app = FtlApp([spec["inventory"]], Path(spec["state"]), watch=False, ansible_config=cfg)
    out: dict = {"import": t_import, "nice": os.getpriority(os.PRIO_PROCESS, 0), "autogroup": _autogroup()}
    async with app.run_test(size=SIZE) as pilot:
        tree = None
        while True:
            if app.inventory is not None:
                tree = app.main.pane("inventory").main()
                if tree.root.children:
                    break
            await pilot.pause(0.002)
        await pilot.pause()
        out["open_s"] = time.perf_counter() - start
        out["inventory_hosts"] = len(app.inventory.hosts)
        while app.services.queue is None:
            await pilot.pause(0.01)
        await pilot.press("2")
        probe = LoopProbe()
        probe.start()
        t_run = time.perf_counter()
        app.run_command_line(spec["command"])
        ring = app.main.pane("logs").ring

        def finished() -> bool:
            jobs = app.services.jobs
            return bool(jobs) and all(j.state in TERMINAL for j in jobs.values())

        while not app.services.jobs:
            await asyncio.sleep(0.01)
        pressed: list[tuple[str, float, float]] = []
        import inspect

        if "log" in inspect.signature(_press_keys).parameters:
            times = await _press_keys(app, spec["presses"], lambda: not finished(), pressed)
        else:  # an older code version's bench (--scale-console-ab): no per-press times
            times = await _press_keys(app, spec["presses"], lambda: not finished())
        while not finished():
            await asyncio.sleep(0.05)
        out["run_s"] = time.perf_counter() - t_run
        out["loop"] = probe.stop()
        out["slowest_presses"] = blockers(probe.spans, pressed)
        out["job_states"] = sorted({j.state for j in app.services.jobs.values()})
        out["log_records"] = ring._seq
        out["view_updates"] = app.events_seen  # the session's updates the panes took during the run
        out.update({"keys_" + k: v for k, v in (_latency(times) if times else {"presses": 0}).items()})
    # what the owner persisted for the run: the job's event log and the state files
    state = Path(spec["state"])
    logs = list((state / "logs").glob("*.jsonl"))
    out["event_log_bytes"] = sum(f.stat().st_size for f in logs)
    out["event_log_lines"] = sum(f.read_bytes().count(b"\n") for f in logs)
    out["state_bytes"] = sum(f.stat().st_size for f in state.rglob("*") if f.is_file())
    problems = [] if out["job_states"] == ["succeeded"] else [f"job ended {out['job_states']}"]
    if out["inventory_hosts"] != n:
        problems.append(f"inventory has {out['inventory_hosts']} hosts, want {n}")
    out.update(ok=not problems, problems=problems, inner=time.perf_counter() - t0)
    return out


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main(json.load(open(sys.argv[1]))))))
