"""The console opening a big inventory, and nothing else (``python -m bench --scale-open-only``).

Reads a JSON spec (inventory, state dir) from argv; prints one JSON line. The real
``FtlApp`` headless (``App.run_test``) at the console bench's size, in a fresh process:

1. open: from creating the app to the inventory tree built with every host placed
   (``app.inventory`` loaded, the tree's root holding its groups, one screen update
   after), the same point bench/harness/drivers/scale_console.py times; wall and this
   process's CPU over that span;
2. expand: the biggest group opened as a user opens it (cursor on it, ``enter``) until
   its hosts are in the tree and one screen update went out: the cost a lazily built
   group moves from the open to the first look inside it.

No host is contacted: the inventory's addresses are only read.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")
SIZE = (120, 40)  # bench/tui_bench.py's, as the console part of --scale uses


def _count(node: Any) -> int:
    return sum(1 + _count(c) for c in node.children)


async def main(spec: dict[str, Any]) -> dict[str, Any]:
    t0 = time.perf_counter()
    from ftltui.config.loader import load_config
    from ftltui.tui.app import FtlApp

    state = Path(spec["state"])
    cfg = load_config(state.parent, dict(os.environ, ANSIBLE_FORKS=str(spec["n_hosts"])))
    out: dict[str, Any] = {"import_s": time.perf_counter() - t0}
    start, cpu0 = time.perf_counter(), time.process_time()
    app = FtlApp([spec["inventory"]], state, watch=False, ansible_config=cfg)
    async with app.run_test(size=SIZE) as pilot:
        while True:
            if app.inventory is not None:
                tree: Any = app.main.pane("inventory").main()
                if tree.root.children:
                    break
            await pilot.pause(0.002)
        await pilot.pause()
        out["open_s"] = time.perf_counter() - start
        out["open_cpu_s"] = time.process_time() - cpu0
        out["inventory_hosts"] = len(app.inventory.hosts)
        out["nodes_at_open"] = _count(tree.root)
        pane = app.inventory_pane()
        groups = [n for n in tree.root.children if n.allow_expand]
        big = max(groups, key=lambda n: len(pane.hosts_of(n)), default=None)
        if big is not None:
            want = len(pane.hosts_of(big))
            t1, cpu1 = time.perf_counter(), time.process_time()
            tree.move_cursor(big)
            if not big.is_expanded:
                await pilot.press("enter")
            while _count(big) < want:
                await pilot.pause(0.002)
            await pilot.pause()
            out["expand_s"] = time.perf_counter() - t1
            out["expand_cpu_s"] = time.process_time() - cpu1
            out["expanded_hosts"] = want
        out["nodes_after"] = _count(tree.root)
    problems = [] if out["inventory_hosts"] == spec["n_hosts"] else [
        f"inventory has {out['inventory_hosts']} hosts, want {spec['n_hosts']}"]
    out.update(ok=not problems, problems=problems)
    return out


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main(json.load(open(sys.argv[1]))))))
