"""Run a workload through FTL2's automation API (its ordinary Python entry point).

Runs under FTL2's own virtualenv (Python 3.13). FTL2 does not template per host, so
each host gets its own rendered arguments and the calls are gathered, which is what its
``run_on`` does internally. A failed FTL2 call raises nothing: every result's
``success`` and ``output['failed']`` are checked here.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time

HOST = "{{ inventory_hostname }}"
NAMES = {"facts": "ansible.builtin.setup"}


def _render(v, host):
    if isinstance(v, str):
        return v.replace(HOST, host)
    if isinstance(v, dict):
        return {k: _render(x, host) for k, x in v.items()}
    return v


def _check(module: str, args: dict, r) -> str | None:
    out = r.output or {}
    if not r.success or out.get("failed"):
        return f"{r.host}: {module}: {(r.error or out.get('msg', ''))[:200]}"
    if module == "command" and args.get("cmd", "").startswith("echo ") and str(out.get("stdout")).rstrip("\n") != args["cmd"][5:]:
        return f"{r.host}: stdout {out.get('stdout')!r}"
    if module == "facts" and not out.get("ansible_facts"):
        return f"{r.host}: no facts"
    return None


async def main(spec: dict) -> dict:
    t0 = time.perf_counter()
    from ftl2 import automation

    problems: list[str] = []
    steps = []
    kw = dict(quiet=True, verbose=False, fail_fast=False, print_summary=False, print_errors=False,
              state_file=None, log_file=None)
    if not spec["local"]:
        kw["inventory"] = spec["inventory"]
    async with automation(**kw) as ftl:
        hosts = [] if spec["local"] else ftl.hosts["all"]
        for step in spec["steps"]:
            ts = time.perf_counter()
            calls, labels = [], []
            for m, a in step:
                name = NAMES.get(m, m)
                if spec["local"]:
                    calls.append(ftl.execute(name, a))
                    labels.append((m, a, "localhost"))
                else:
                    for h in hosts:
                        calls.append(ftl.run_on(h, name, **_render(a, h.name)))
                        labels.append((m, a, h.name))
            results = await asyncio.gather(*calls, return_exceptions=True)
            steps.append(time.perf_counter() - ts)
            for (m, a, hn), rs in zip(labels, results):
                if isinstance(rs, BaseException):
                    problems.append(f"{hn}: {m}: {type(rs).__name__}: {rs}"[:300])
                    continue
                if isinstance(rs, dict):  # local execute() returns the module output
                    if rs.get("failed"):
                        problems.append(f"{hn}: {m}: {str(rs.get('msg'))[:200]}")
                    continue
                for r in rs:
                    p = _check(m, a, r)
                    if p:
                        problems.append(p)
        for e in ftl.errors:  # local failures surface only here
            problems.append(f"{e.host}: {e.module}: {e.error[:200]}")
    return {"ok": not problems, "problems": problems[:5], "inner": time.perf_counter() - t0, "steps": steps}


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main(json.load(open(sys.argv[1]))))))
