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
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")


async def main(spec: dict) -> dict:
    t0 = time.perf_counter()
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
    out: dict = {"import": t_import}
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
        t_run = time.perf_counter()
        app.run_command_line(spec["command"])
        ring = app.main.pane("logs").ring

        def finished() -> bool:
            jobs = app.services.jobs
            return bool(jobs) and all(j.state in TERMINAL for j in jobs.values())

        while not app.services.jobs:
            await asyncio.sleep(0.01)
        times = await _press_keys(app, spec["presses"], lambda: not finished())
        while not finished():
            await asyncio.sleep(0.05)
        out["run_s"] = time.perf_counter() - t_run
        out["job_states"] = sorted({j.state for j in app.services.jobs.values()})
        out["log_records"] = ring._seq
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
