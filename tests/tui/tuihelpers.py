"""Helpers shared by the console tests (imported by name: tests/tui is on sys.path)."""

from __future__ import annotations

from typing import Any, Callable


async def ready(pilot: Any) -> None:
    """Wait until the inventory is loaded and the screen settled."""
    app = pilot.app
    for _ in range(1000):  # not workers.wait_for_complete(): the file watcher never completes
        if (app.inventory is not None or app.inventory_error) and app.services.queue is not None:
            break
        await pilot.pause(0.02)
    await pilot.pause()
    # the stored drift is shown once both are there: let it land before a test sets the pane by hand
    for _ in range(1000):
        if not any(w.group == "drift-report" and not w.is_finished for w in app.workers):
            break
        await pilot.pause(0.02)


async def wait_for(pilot: Any, predicate: Callable[[], bool], timeout: float = 60.0) -> None:
    """Let the app run until ``predicate()`` holds (no timed assertion: fails only on timeout)."""
    import asyncio

    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not predicate():
        if loop.time() > end:
            raise AssertionError("condition not reached in time")
        await pilot.pause(0.05)
    # The panes catch up with the services on the next 80 ms flush; a test that checks
    # a job's state in the services and then its lines in a pane must not race it.
    flush = getattr(pilot.app, "flush_events", None)
    if flush is not None:
        flush()
    await pilot.pause()


def screen_text(app: Any) -> str:
    """The visible screen as plain text (rows joined), from the app's SVG screenshot."""
    import html
    import re
    from collections import defaultdict

    svg = app.export_screenshot()
    rows: dict[float, list[tuple[float, str]]] = defaultdict(list)
    for m in re.finditer(r'<text class="[^"]*" x="([\d.]+)" y="([\d.]+)"[^>]*>(.*?)</text>', svg):
        rows[float(m.group(2))].append((float(m.group(1)), html.unescape(m.group(3)).replace("\xa0", " ")))
    return "\n".join("".join(t for _, t in sorted(rows[y])) for y in sorted(rows))


def jobs_finished(app: Any, n: int) -> bool:
    """At least ``n`` jobs, and none of them still queued or running."""
    jobs = app.services.jobs
    return len(jobs) >= n and all(j.state in ("succeeded", "failed", "dead", "cancelled") for j in jobs.values())


async def drift_after_change(pilot: Any, watched: Any, text: str) -> Any:
    """Scan localhost, write ``text`` to the watched file, scan again, then open the drift
    pane (key 3) and wait until it counts localhost's changes; returns the pane."""
    app = pilot.app
    before = len(app.services.jobs)
    await enter_command(pilot, "drift scan localhost")
    await wait_for(pilot, lambda: jobs_finished(app, before + 1))
    watched.write_text(text, encoding="utf-8")
    await enter_command(pilot, "drift scan localhost")
    await wait_for(pilot, lambda: jobs_finished(app, before + 2))
    await pilot.press("3")
    pane = app.main.pane("drift")
    await wait_for(pilot, lambda: pane.rows.get("localhost", {}).get("total", 0) > 0)
    return pane


async def enter_command(pilot: Any, line: str) -> None:
    """``:`` then ``line`` and enter, as a user does, but with the line put in the command line
    at once: pressing its keys one by one costs two idle waits a key (about a tenth of a
    second, more on a busy machine), seconds for a line with a path in it, and a test that
    is not about typing gains nothing from them."""
    from ftltui.tui.widgets.command_line import CommandLine

    await pilot.press("colon")
    cl = pilot.app.screen.query_one(CommandLine)
    cl.value = line
    cl.cursor_position = len(line)
    await pilot.press("enter")


def local_group_inventory(path: Any, names: list[str]) -> Any:
    """An inventory file at ``path`` with one group ``g`` of local-connection hosts ``names``."""
    path.write_text("all:\n  children:\n    g:\n      hosts:\n"
                    + "".join(f"        {n}:\n          ansible_connection: local\n" for n in names))
    return path
