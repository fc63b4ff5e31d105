"""Run a workload through ftl-tui's engine (one Executor per run: connections are opened inside).

Steps run in order; the tasks of one step run at the same time (``asyncio.gather`` of
``Executor.run`` calls), which is how the engine runs a DAG's ready nodes.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time


def _problems(module: str, args: dict, res) -> list[str]:
    out = []
    for host, hr in res.results.items():
        if hr.status not in ("ok", "changed"):
            out.append(f"{host}: {module}: {hr.status}: {str(hr.result.get('msg', ''))[:200]}")
        elif module == "command" and args.get("cmd", "").startswith("echo "):
            want = args["cmd"][5:]
            if hr.result.get("stdout") != want:
                out.append(f"{host}: stdout {hr.result.get('stdout')!r} != {want!r}")
        elif module == "facts" and not hr.result.get("ansible_facts"):
            out.append(f"{host}: no facts")
    return out


async def main(spec: dict) -> dict:
    t0 = time.perf_counter()
    from ftltui.engine.executor import Executor
    from ftltui.inventory import load_inventory

    inv = load_inventory([spec["inventory"]])
    t_import = time.perf_counter() - t0
    ex = Executor(inv, forks=spec["forks"], ansible_modules=tuple(spec.get("ansible_modules", ())))
    problems: list[str] = []
    steps = []
    try:
        for step in spec["steps"]:
            ts = time.perf_counter()
            results = await asyncio.gather(*(ex.run("all", m, a) for m, a in step))
            steps.append(time.perf_counter() - ts)
            for (m, a), res in zip(step, results):
                if len(res.results) != spec["n_hosts"]:
                    problems.append(f"{m}: {len(res.results)} results for {spec['n_hosts']} hosts")
                problems += _problems(m, a, res)
    finally:
        await ex.close()
    import ftltui

    return {"ok": not problems, "problems": problems[:5], "inner": time.perf_counter() - t0,
            "import": t_import, "steps": steps, "code": ftltui.__file__}


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main(json.load(open(sys.argv[1]))))))
